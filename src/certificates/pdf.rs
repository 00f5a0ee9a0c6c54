//! The certificate as a one-page A4 PDF (lopdf): the participant, the training, the JP, the
//! number, and a QR code of the public verification URL, drawn as an image of one pixel per
//! module that the viewer scales up without smoothing, so it scans sharp at any zoom.

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};
use qrcode::{Color, QrCode};

use super::model::Certificate;
use crate::error::{ApiError, ApiResult};

/// Modules of light margin around the code (the QR standard asks for four).
const QUIET: usize = 4;
/// A4 in points.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;

/// The QR code of `text` as 8-bit grey pixels (0 dark, 255 light) with its quiet zone: (side,
/// pixels).
pub fn qr_pixels(text: &str) -> ApiResult<(usize, Vec<u8>)> {
    let code = QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::Internal(format!("cannot encode the verification URL: {e}")))?;
    let width = code.width();
    let side = width + 2 * QUIET;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            pixels[(i / width + QUIET) * side + i % width + QUIET] = 0;
        }
    }
    Ok((side, pixels))
}

/// Text for the standard Helvetica font (WinAnsi): Latin-1 as it is, anything else as `?`.
fn text(s: &str) -> Object {
    let bytes: Vec<u8> = s
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    Object::String(bytes, StringFormat::Literal)
}

/// One line of text at (x, y) in `font` at `size` points.
fn line(ops: &mut Vec<Operation>, font: &str, size: f32, x: f32, y: f32, s: &str) {
    ops.extend([
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec![font.into(), size.into()]),
        Operation::new("Td", vec![x.into(), y.into()]),
        Operation::new("Tj", vec![text(s)]),
        Operation::new("ET", vec![]),
    ]);
}

/// The PDF of `certificate`, its QR code holding `verify_url`.
pub fn render(certificate: &Certificate, issuer: &str, verify_url: &str) -> ApiResult<Vec<u8>> {
    let fail = |e: lopdf::Error| ApiError::Internal(format!("cannot write the certificate: {e}"));
    let shown = &certificate.shown;
    let (side, pixels) = qr_pixels(verify_url)?;

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let regular = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let bold = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let qr = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image",
            "Width" => side as i64, "Height" => side as i64,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Interpolate" => false,
        },
        pixels,
    ));
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => regular, "F2" => bold },
        "XObject" => dictionary! { "QR" => qr },
    });

    let mut ops = Vec::new();
    let x = 70.0;
    line(&mut ops, "F2", 13.0, x, 770.0, issuer);
    line(
        &mut ops,
        "F2",
        22.0,
        x,
        720.0,
        "SURAT TANDA TAMAT PELATIHAN",
    );
    line(
        &mut ops,
        "F1",
        11.0,
        x,
        700.0,
        &format!("Nomor: {}", shown.certificate_number),
    );
    line(
        &mut ops,
        "F1",
        12.0,
        x,
        650.0,
        "Diberikan kepada / awarded to",
    );
    line(&mut ops, "F2", 18.0, x, 625.0, &shown.name);
    line(
        &mut ops,
        "F1",
        12.0,
        x,
        605.0,
        &format!("NIP {}", certificate.nip),
    );
    line(
        &mut ops,
        "F1",
        12.0,
        x,
        565.0,
        "telah menyelesaikan / has completed",
    );
    line(&mut ops, "F2", 15.0, x, 543.0, &shown.training_title);
    let dates = format!(
        "{} s.d. {}  -  {} JP",
        shown.start_date.format("%d-%m-%Y"),
        shown.end_date.format("%d-%m-%Y"),
        shown.jp
    );
    line(&mut ops, "F1", 12.0, x, 523.0, &dates);
    line(
        &mut ops,
        "F1",
        12.0,
        x,
        503.0,
        &format!("Penyelenggara: {}", shown.institution),
    );
    line(
        &mut ops,
        "F1",
        12.0,
        x,
        483.0,
        &format!(
            "Selesai pada {}",
            certificate.completed_on.format("%d-%m-%Y")
        ),
    );
    // The QR code, 150 points wide, bottom right, with the URL under it for those who type.
    let size = 150.0;
    let (qx, qy) = (WIDTH - 70.0 - size, 120.0);
    ops.extend([
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                size.into(),
                0.into(),
                0.into(),
                size.into(),
                qx.into(),
                qy.into(),
            ],
        ),
        Operation::new("Do", vec!["QR".into()]),
        Operation::new("Q", vec![]),
    ]);
    line(
        &mut ops,
        "F1",
        9.0,
        x,
        100.0,
        "Periksa keaslian / verify at:",
    );
    line(&mut ops, "F1", 9.0, x, 88.0, verify_url);

    let content = Content { operations: ops }.encode().map_err(fail)?;
    let contents = doc.add_object(Stream::new(dictionary! {}, content));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => contents,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), WIDTH.into(), HEIGHT.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! {
        "Title" => text(&format!("Sertifikat {}", shown.certificate_number)),
        "Producer" => text("Kompetensi"),
    });
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| ApiError::Internal(format!("cannot write the certificate: {e}")))?;
    Ok(out)
}
