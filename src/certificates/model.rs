//! What a certificate says: the public verification answer, and the whole certificate as the
//! PDF prints it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A valid certificate, as anyone holding its code may see it: no more than the paper shows,
/// and the NIP masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"valid": true, "name": "Dr. Rina Wati, S.Kom.", "nip_masked": "1985************01", "training_title": "Pelatihan Kepemimpinan Pengawas", "start_date": "2026-03-02", "end_date": "2026-03-06", "jp": 40, "institution": "Universitas Bangka Belitung", "certificate_number": "2026/14/0003"}))]
pub struct Verification {
    /// Always true: an unknown or revoked code is 404.
    pub valid: bool,
    /// The participant's name with their academic titles.
    pub name: String,
    /// The NIP with all but its first four and last two digits hidden.
    pub nip_masked: String,
    pub training_title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The JP credited.
    pub jp: i32,
    /// Who ran the training: its partners, else the city's own institution.
    pub institution: String,
    pub certificate_number: String,
}

/// Everything the PDF prints: the verification answer with the full NIP, the completion day and
/// the code the QR code points at.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub shown: Verification,
    pub nip: String,
    pub completed_on: NaiveDate,
    pub verification_code: String,
}

/// `Dr. Rina Wati, S.Kom.`: the name with its front and back titles.
pub fn full_name(front: Option<&str>, name: &str, back: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(front) = front.filter(|t| !t.is_empty()) {
        out.push_str(front);
        out.push(' ');
    }
    out.push_str(name);
    if let Some(back) = back.filter(|t| !t.is_empty()) {
        out.push_str(", ");
        out.push_str(back);
    }
    out
}

/// `1985************01`: a third party may confirm a NIP they hold, not learn one.
pub fn mask_nip(nip: &str) -> String {
    nip.char_indices()
        .map(|(i, c)| if i < 4 || i + 2 >= nip.len() { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_nips_as_printed() {
        assert_eq!(
            full_name(Some("Dr."), "Rina Wati", Some("S.Kom.")),
            "Dr. Rina Wati, S.Kom."
        );
        assert_eq!(full_name(None, "Budi", Some("")), "Budi");
        assert_eq!(mask_nip("198503102010011001"), "1985************01");
    }
}
