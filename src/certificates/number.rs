//! Certificate numbers and verification codes: the format setting's rule, a number made from
//! it, and a fresh code.

use validator::ValidationError;

/// The setting's default (migration 16): `2026/14/0003`, the third certificate of training 14.
pub const DEFAULT_FORMAT: &str = "{year}/{training_id}/{seq:04}";

/// One piece of a format: literal text or a placeholder.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Year,
    Training,
    Enrolment,
    /// The training's sequence, zero-padded to this width (0: as it is).
    Seq(usize),
}

fn pieces(format: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("a `}` without its `{`".into());
        }
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let close = rest[open..].find('}').ok_or("a `{` without its `}`")? + open;
        let name = &rest[open + 1..close];
        out.push(match name {
            "year" => Piece::Year,
            "training_id" => Piece::Training,
            "enrolment_id" => Piece::Enrolment,
            "seq" => Piece::Seq(0),
            _ => match name
                .strip_prefix("seq:0")
                .and_then(|w| w.parse::<usize>().ok())
            {
                Some(width @ 1..=9) => Piece::Seq(width),
                _ => return Err(format!("unknown placeholder {{{name}}}")),
            },
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The setting's rule: known placeholders only, and enough of them that two completions never
/// get the same number (`{enrolment_id}`, or `{training_id}` with a `{seq}`).
pub fn check_format(format: &str) -> Result<(), ValidationError> {
    let refuse = |why: String| {
        Err(ValidationError::new("certificate_number_format").with_message(why.into()))
    };
    let pieces = match pieces(format) {
        Ok(p) => p,
        Err(why) => return refuse(why),
    };
    let has = |f: fn(&Piece) -> bool| pieces.iter().any(f);
    let unique = has(|p| *p == Piece::Enrolment)
        || (has(|p| *p == Piece::Training) && has(|p| matches!(p, Piece::Seq(_))));
    if unique {
        Ok(())
    } else {
        refuse(
            "must contain {enrolment_id}, or {training_id} and {seq}, so numbers are unique".into(),
        )
    }
}

/// What a number is made of.
pub struct NumberParts {
    pub year: i32,
    pub training_id: i64,
    pub enrolment_id: i64,
    pub seq: i64,
}

/// The number `format` gives these parts (a format that does not parse gives it as written; the
/// setting's validation keeps such a format out).
pub fn format_number(format: &str, parts: &NumberParts) -> String {
    let Ok(pieces) = pieces(format) else {
        return format.to_string();
    };
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => (*t).to_string(),
            Piece::Year => parts.year.to_string(),
            Piece::Training => parts.training_id.to_string(),
            Piece::Enrolment => parts.enrolment_id.to_string(),
            Piece::Seq(width) => format!("{:0width$}", parts.seq, width = *width),
        })
        .collect()
}

/// A fresh verification code: 128 random bits from the thread's CSPRNG, as 32 upper-case hex
/// digits (what the QR code and a person typing it both handle).
pub fn new_code() -> String {
    hex::encode_upper(rand::random::<[u8; 16]>())
}

/// A code as a client may send it: 16..64 letters and digits, compared upper-case.
pub fn normalise_code(code: &str) -> Option<String> {
    let ok = (16..=64).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| code.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> NumberParts {
        NumberParts {
            year: 2026,
            training_id: 14,
            enrolment_id: 321,
            seq: 7,
        }
    }

    #[test]
    fn the_default_format_numbers_per_training() {
        assert_eq!(
            format_number("{year}/{training_id}/{seq:04}", &parts()),
            "2026/14/0007"
        );
        assert_eq!(format_number("STTPL-{enrolment_id}", &parts()), "STTPL-321");
        assert_eq!(format_number("{training_id}.{seq}", &parts()), "14.7");
    }

    #[test]
    fn formats_that_could_repeat_a_number_are_refused() {
        for ok in [
            "{year}/{training_id}/{seq:04}",
            "X-{enrolment_id}",
            "{seq}{training_id}",
        ] {
            assert!(check_format(ok).is_ok(), "{ok}");
        }
        for bad in [
            "{year}/{seq:04}",
            "{training_id}",
            "plain",
            "{name}",
            "{seq:04",
            "a}b",
            "{seq:0}",
            "{seq:4}{training_id}",
        ] {
            assert!(check_format(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_are_long_random_and_normalised() {
        let (a, b) = (new_code(), new_code());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(normalise_code(&a.to_lowercase()), Some(a));
        assert_eq!(normalise_code("short"), None);
        assert_eq!(normalise_code("0123456789abcdef-"), None);
    }
}
