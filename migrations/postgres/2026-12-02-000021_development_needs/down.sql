DROP TABLE development_needs;
