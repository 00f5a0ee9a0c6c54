//! Evidence files: what a file is, told by its first bytes, not by the name or type a client
//! gave it.

/// The largest evidence file.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// The accepted kinds: (content type, the bytes it starts with).
const KINDS: &[(&str, &[u8])] = &[
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xFF\xD8\xFF"),
];

/// Whether a declared content type is one of the accepted kinds (parameters ignored).
pub fn accepted(declared: &str) -> Option<&'static str> {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    KINDS.iter().map(|k| k.0).find(|k| *k == essence)
}

/// The kind the content is, if it is one of the accepted ones.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(_, magic)| content.starts_with(magic))
        .map(|(kind, _)| *kind)
}

/// A file name safe to send back in `Content-Disposition`: letters, digits, `.`, `-`, `_`,
/// others as `_`, at most 100 characters; empty becomes `evidence`.
pub fn safe_name(name: &str, kind: &str) -> String {
    let mut clean: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if clean.trim_matches(['.', '_']).is_empty() {
        clean = "evidence".into();
    }
    let extension = match kind {
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        _ => ".jpg",
    };
    if !clean.to_ascii_lowercase().ends_with(extension) {
        clean.push_str(extension);
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0...."), Some("image/jpeg"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(
            accepted("application/PDF; charset=binary"),
            Some("application/pdf")
        );
        assert_eq!(accepted("text/html"), None);
        assert_eq!(
            safe_name("sertifikat ASN\"unggul\".pdf", "application/pdf"),
            "sertifikat_ASN_unggul_.pdf"
        );
        assert_eq!(
            safe_name("../../etc/passwd", "image/png"),
            ".._.._etc_passwd.png"
        );
        assert_eq!(safe_name("", "image/jpeg"), "evidence.jpg");
    }
}
