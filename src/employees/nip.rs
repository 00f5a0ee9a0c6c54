//! NIP (Nomor Induk Pegawai): 18 digits; for a PNS the birth date (YYYYMMDD), the CPNS appointment
//! month (YYYYMM) and the sex digit (1 or 2) are embedded and must be real. PPPK numbers have
//! another structure: only length and digits are checked.

use chrono::NaiveDate;

use super::model::AsnType;

/// What is wrong with `nip` for an employee of `asn_type`, if anything.
pub fn problem(nip: &str, asn_type: AsnType) -> Option<&'static str> {
    if nip.len() != 18 || !nip.bytes().all(|b| b.is_ascii_digit()) {
        return Some("must be exactly 18 digits");
    }
    if asn_type != AsnType::Pns {
        return None;
    }
    if NaiveDate::parse_from_str(&nip[0..8], "%Y%m%d").is_err() {
        return Some("characters 1-8 must be a real birth date (YYYYMMDD)");
    }
    let year: i32 = nip[8..12].parse().unwrap_or(0);
    let month: u32 = nip[12..14].parse().unwrap_or(0);
    if NaiveDate::from_ymd_opt(year, month, 1).is_none() || year < 1900 {
        return Some("characters 9-14 must be a real CPNS appointment month (YYYYMM)");
    }
    if !matches!(&nip[14..15], "1" | "2") {
        return Some("character 15 (sex) must be 1 or 2");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{problem, AsnType};

    #[test]
    fn pns_numbers_embed_real_dates_and_a_sex_digit() {
        assert_eq!(problem("198503102010011001", AsnType::Pns), None);
        assert_eq!(problem("199001012015012001", AsnType::Pns), None);
        assert!(
            problem("19850310201001100", AsnType::Pns).is_some(),
            "17 digits"
        );
        assert!(
            problem("19850310201001100a", AsnType::Pns).is_some(),
            "a letter"
        );
        assert!(
            problem("198502302010011001", AsnType::Pns)
                .unwrap()
                .contains("birth"),
            "30 February"
        );
        assert!(
            problem("198503102010131001", AsnType::Pns)
                .unwrap()
                .contains("CPNS"),
            "month 13"
        );
        assert!(
            problem("198503102010013001", AsnType::Pns)
                .unwrap()
                .contains("sex"),
            "sex digit 3"
        );
    }

    #[test]
    fn pppk_numbers_are_checked_for_length_and_digits_only() {
        assert_eq!(problem("202301012345678901", AsnType::Pppk), None);
        assert_eq!(problem("198502302010013001", AsnType::Pppk), None);
        assert!(problem("2023010123456789", AsnType::Pppk).is_some());
    }
}
