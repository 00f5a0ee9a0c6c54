//! The identity rules of an employee (DOMAIN.md "Identifiers"): the NIP and the grade, each
//! by ASN type. The single checks behind the API, the CSV import and the seed.
//!
//! NIP: 18 digits starting with a real birth date (YYYYMMDD) between 1940 and 17 years ago.
//! For a PNS the CPNS month (YYYYMM) follows, at least 17 years after birth and not in the
//! future, then the sex digit (1 or 2) and a sequence from 001; PPPK numbers have another
//! structure after the birth date, which is not checked.

use chrono::{Datelike, NaiveDate};

use super::model::AsnType;

/// The youngest a civil servant can be, in years.
const MIN_AGE: i32 = 17;

/// What is wrong with `nip` for an employee of `asn_type` on `today`, if anything.
pub fn problem(nip: &str, asn_type: AsnType, today: NaiveDate) -> Option<String> {
    if nip.len() != 18 || !nip.bytes().all(|b| b.is_ascii_digit()) {
        return Some("must be exactly 18 digits".into());
    }
    let Ok(birth) = NaiveDate::parse_from_str(&nip[0..8], "%Y%m%d") else {
        return Some("characters 1-8 must be a real birth date (YYYYMMDD)".into());
    };
    let youngest = today
        .with_year(today.year() - MIN_AGE)
        .unwrap_or(today - chrono::Duration::days(365 * 17 + 4));
    if birth.year() < 1940 || birth > youngest {
        return Some(format!(
            "characters 1-8 must be a birth date from 1940 to {youngest} (at least {MIN_AGE} years ago)"
        ));
    }
    if asn_type != AsnType::Pns {
        return None;
    }
    let Some(cpns) = cpns_month(nip) else {
        return Some("characters 9-14 must be a real CPNS appointment month (YYYYMM)".into());
    };
    if (cpns.year(), cpns.month()) < (birth.year() + MIN_AGE, birth.month()) {
        return Some(format!(
            "characters 9-14 (CPNS month) must be at least {MIN_AGE} years after the birth date"
        ));
    }
    if cpns > today {
        return Some("characters 9-14 (CPNS month) must not be in the future".into());
    }
    if !matches!(&nip[14..15], "1" | "2") {
        return Some("character 15 (sex) must be 1 or 2".into());
    }
    if &nip[15..18] == "000" {
        return Some("characters 16-18 (sequence) start at 001".into());
    }
    None
}

/// The first day of the CPNS month a PNS's NIP names (characters 9-14), if it is a real month:
/// the default appointment date (TMT).
pub fn cpns_month(nip: &str) -> Option<NaiveDate> {
    let year: i32 = nip.get(8..12)?.parse().ok()?;
    let month: u32 = nip.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The PPPK grades (Perpres 98/2020), in order.
const PPPK_GRADES: [&str; 17] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII",
];

/// Every grade of either type, as the OpenAPI pattern states it.
pub const GRADE_PATTERN: &str =
    r"^((I|II|III)/[a-d]|IV/[a-e]|I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI|XVII)$";

/// What is wrong with `grade` for an employee of `asn_type`, if anything: PNS `I/a`–`IV/e`
/// (golongan/ruang, `/e` only in IV), PPPK `I`–`XVII`.
pub fn grade_problem(grade: &str, asn_type: AsnType) -> Option<&'static str> {
    let ok = match asn_type {
        AsnType::Pns => matches!(
            grade.split_once('/'),
            Some(("I" | "II" | "III", "a" | "b" | "c" | "d"))
                | Some(("IV", "a" | "b" | "c" | "d" | "e"))
        ),
        AsnType::Pppk => PPPK_GRADES.contains(&grade),
    };
    match (ok, asn_type) {
        (true, _) => None,
        (false, AsnType::Pns) => {
            Some("a PNS grade is a golongan/ruang from `I/a` to `IV/e` (`/e` only in IV)")
        }
        (false, AsnType::Pppk) => Some("a PPPK grade is a roman numeral from `I` to `XVII`"),
    }
}

#[cfg(test)]
mod tests {
    use super::{grade_problem, problem, AsnType};
    use chrono::NaiveDate;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    fn pns(nip: &str) -> Option<String> {
        problem(nip, AsnType::Pns, today())
    }

    #[test]
    fn pns_numbers_embed_real_dates_a_sex_digit_and_a_sequence() {
        assert_eq!(pns("198503102010011001"), None);
        assert_eq!(pns("199001012015012001"), None);
        for (nip, why, says) in [
            ("19850310201001100", "17 digits", "18 digits"),
            ("19850310201001100a", "a letter", "18 digits"),
            ("198502302010011001", "30 February", "birth"),
            ("190001012010011001", "born 1900", "1940"),
            ("201501012030011001", "born 2015: younger than 17", "1940"),
            ("198503102010131001", "month 13", "CPNS"),
            ("198503102000011001", "CPNS at 14", "17 years after"),
            ("198503102030011001", "CPNS in 2030", "future"),
            ("198503102027011001", "CPNS next month", "future"),
            ("198503102010013001", "sex digit 3", "sex"),
            ("198503102010011000", "sequence 000", "sequence"),
        ] {
            let found = pns(nip).unwrap_or_else(|| panic!("{why}: accepted"));
            assert!(found.contains(says), "{why}: {found}");
        }
        assert_eq!(
            pns("198503102002031001"),
            None,
            "CPNS the month of the 17th birthday"
        );
    }

    #[test]
    fn pppk_numbers_start_with_a_birth_date() {
        let pppk = |nip: &str| problem(nip, AsnType::Pppk, today());
        assert_eq!(pppk("199203152023211001"), None);
        assert!(pppk("202100000000000004").is_some(), "no birth date");
        assert!(pppk("190001012023211001").is_some(), "born 1900");
        assert!(pppk("2023010123456789").is_some(), "16 digits");
    }

    #[test]
    fn grades_follow_the_asn_type() {
        for g in ["I/a", "II/d", "III/c", "IV/e"] {
            assert_eq!(grade_problem(g, AsnType::Pns), None, "{g}");
            assert!(grade_problem(g, AsnType::Pppk).is_some(), "PPPK {g}");
        }
        for g in ["III/e", "V/a", "IV", "iii/a", "I/f"] {
            assert!(grade_problem(g, AsnType::Pns).is_some(), "PNS {g}");
        }
        for g in ["I", "IX", "XVII"] {
            assert_eq!(grade_problem(g, AsnType::Pppk), None, "{g}");
        }
        for g in ["XVIII", "III/b", "0", "IIII"] {
            assert!(grade_problem(g, AsnType::Pppk).is_some(), "PPPK {g}");
        }
        let pattern = regex::Regex::new(super::GRADE_PATTERN).unwrap();
        for g in ["I/a", "IV/e", "XVII", "IX"] {
            assert!(pattern.is_match(g), "{g}");
        }
        for g in ["III/e", "V/a", "XVIII"] {
            assert!(!pattern.is_match(g), "{g}");
        }
        let schema = serde_json::to_value(
            <super::super::model::EmployeeInput as utoipa::PartialSchema>::schema(),
        )
        .unwrap();
        assert_eq!(
            schema["properties"]["rank_grade"]["pattern"],
            super::GRADE_PATTERN,
            "the documented pattern is the rule's"
        );
    }
}
