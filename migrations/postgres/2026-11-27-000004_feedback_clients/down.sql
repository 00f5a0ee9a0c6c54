DROP TABLE api_clients;
DROP TABLE feedback_receipts;
DROP TABLE feedback;
