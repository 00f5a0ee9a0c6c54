//! `kompetensi seed-demo`: a believable Pangkalpinang data set, idempotent (everything is keyed
//! on its natural key and skipped when present), batched so that large sets load quickly.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::audit::{Action, Entity};
use crate::auth::Actor;
use crate::db::schema::{assessments, competencies, partners, positions, units};
use crate::db::write::{self, Tx};
use crate::db::{now, AnyConnection, DbPool};
use crate::employees::model::{AsnType, EmployeeInput};
use crate::error::ApiError;
use crate::web::RequestMeta;

/// What a seeding run added.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub units: usize,
    pub competencies: usize,
    pub positions: usize,
    pub employees: usize,
    pub assessments: usize,
    pub exemptions: usize,
    pub external_learning: usize,
    pub partners: usize,
    pub trainers: usize,
    pub trainings: usize,
    pub enrolments: usize,
    pub feedback: usize,
}

const UNITS: &[(&str, &str, Option<&str>)] = &[
    ("SETDA", "Sekretariat Daerah Kota Pangkalpinang", None),
    (
        "BKPSDM",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        None,
    ),
    (
        "BKPSDM-PKA",
        "Bidang Pengembangan Kompetensi Aparatur",
        Some("BKPSDM"),
    ),
    ("BKPSDM-MUTASI", "Bidang Mutasi dan Promosi", Some("BKPSDM")),
    ("DISDIK", "Dinas Pendidikan", None),
    ("DISDIK-SMPN1", "SMP Negeri 1 Pangkalpinang", Some("DISDIK")),
    ("DISDIK-SDN7", "SD Negeri 7 Pangkalpinang", Some("DISDIK")),
    ("DINKES", "Dinas Kesehatan", None),
    ("DINKES-PKM-GRG", "Puskesmas Gerunggang", Some("DINKES")),
    ("DINKES-PKM-TMN", "Puskesmas Taman Bunga", Some("DINKES")),
    (
        "DISDUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        None,
    ),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", None),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", None),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", None),
    ("KEC-BI", "Kecamatan Bukit Intan", None),
    ("KEC-BI-KEL-SR", "Kelurahan Sinar Bulan", Some("KEC-BI")),
    ("KEC-GRG", "Kecamatan Gerunggang", None),
    ("KEC-TMN", "Kecamatan Taman Sari", None),
];

/// (code, name, kind, field, description, [level descriptions 1..5])
type CompetencySeed = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    [&'static str; 5],
);

const COMPETENCIES: &[CompetencySeed] = &[
    ("M.01", "Integritas", "managerial", None, "Konsisten berperilaku selaras dengan nilai, norma dan etika organisasi, jujur dalam hubungan dengan atasan, rekan kerja, bawahan dan pemangku kepentingan.", [
        "Mampu bertindak sesuai nilai, norma, etika organisasi dalam kapasitas pribadi",
        "Mampu mengingatkan, mengajak rekan kerja untuk bertindak sesuai nilai, norma dan etika organisasi",
        "Mampu memastikan, menanamkan keyakinan bersama agar anggota yang dipimpin bertindak sesuai nilai, norma dan etika organisasi",
        "Mampu menciptakan situasi kerja yang membuat rekan kerja, kolega dan bawahan patuh pada nilai, norma dan etika organisasi",
        "Mampu menjadi role model dalam penerapan standar keadilan dan etika di tingkat nasional",
    ]),
    ("M.02", "Kerjasama", "managerial", None, "Kemampuan menjalin, membina, mempertahankan hubungan kerja yang efektif, memiliki komitmen saling membantu dalam penyelesaian tugas.", [
        "Berpartisipasi dalam kelompok kerja",
        "Menumbuhkan tim kerja yang partisipatif dan efektif",
        "Efektif membangun tim kerja untuk peningkatan kinerja organisasi",
        "Membangun komitmen tim, sinergi",
        "Menciptakan situasi kerja sama yang sinergis dan kolaboratif",
    ]),
    ("M.03", "Komunikasi", "managerial", None, "Kemampuan untuk menerangkan pandangan dan gagasan secara jelas, sistematis disertai argumentasi yang logis.", [
        "Menyampaikan informasi dengan jelas, lengkap, pemahaman yang sama",
        "Aktif menjalankan komunikasi secara formal dan informal",
        "Berkomunikasi secara asertif, terampil berkomunikasi lisan/tertulis",
        "Mampu mengemukakan pemikiran multidimensi secara lisan dan tertulis",
        "Menggagas sistem komunikasi yang terbuka secara strategis",
    ]),
    ("M.04", "Orientasi pada Hasil", "managerial", None, "Kemampuan mempertahankan komitmen pribadi yang tinggi untuk menyelesaikan tugas, dapat diandalkan, bertanggung jawab.", [
        "Bertanggung jawab untuk memenuhi standar kerja",
        "Berupaya meningkatkan hasil kerja pribadi yang lebih tinggi dari standar yang ditetapkan",
        "Menetapkan target kerja yang menantang bagi unit kerja",
        "Mendorong unit kerja mencapai target yang ditetapkan atau melebihi hasil kerja sebelumnya",
        "Kemampuan menyusun kebijakan kinerja yang berdampak nasional",
    ]),
    ("M.05", "Pelayanan Publik", "managerial", None, "Kemampuan dalam melaksanakan tugas-tugas pemerintahan, pembangunan dan kegiatan pemenuhan kebutuhan pelayanan publik secara profesional, transparan.", [
        "Menjalankan tugas mengikuti standar pelayanan",
        "Mampu mensupervisi/mengawasi/menyelia dan menjelaskan proses pelaksanaan tugas pelayanan publik",
        "Mampu memanfaatkan kekuatan kelompok serta memperbaiki standar pelayanan publik",
        "Mampu memonitor, mengevaluasi, memperhitungkan dan mengantisipasi dampak dari isu-isu jangka panjang",
        "Mampu menciptakan kebijakan kebijakan pelayanan publik yang menjamin terselenggaranya pelayanan publik yang objektif, netral",
    ]),
    ("M.06", "Pengembangan Diri dan Orang Lain", "managerial", None, "Kemampuan untuk meningkatkan pengetahuan dan menyempurnakan keterampilan diri; menginspirasi orang lain untuk mengembangkan dan menyempurnakan pengetahuan dan keterampilan.", [
        "Pengembangan diri",
        "Meningkatkan kemampuan bawahan dengan memberikan contoh dan penjelasan cara melaksanakan suatu pekerjaan",
        "Memberikan umpan balik, membimbing",
        "Menyusun program pengembangan jangka panjang dalam rangka mendorong manajemen pembelajaran",
        "Menciptakan situasi yang mendorong organisasi untuk mengembangkan kemampuan belajar secara berkelanjutan",
    ]),
    ("M.07", "Mengelola Perubahan", "managerial", None, "Kemampuan dalam menyesuaikan diri dengan situasi yang baru atau berubah dan tidak bergantung secara berlebihan pada metode dan proses lama.", [
        "Mengikuti perubahan dengan arahan",
        "Proaktif beradaptasi mengikuti perubahan",
        "Membantu orang lain mengikuti perubahan, mengantisipasi perubahan secara tepat",
        "Memimpin perubahan pada unit kerja",
        "Mengarahkan perubahan untuk menjamin keberhasilan di tingkat organisasi",
    ]),
    ("M.08", "Pengambilan Keputusan", "managerial", None, "Kemampuan membuat keputusan yang baik secara tepat waktu dan dengan keyakinan diri setelah mempertimbangkan prinsip kehati-hatian.", [
        "Mengumpulkan informasi untuk bertindak sesuai kewenangan",
        "Menganalisis masalah secara mendalam",
        "Membandingkan berbagai alternatif, menyeimbangkan risiko keberhasilan dalam implementasi",
        "Menyelesaikan masalah yang mengandung risiko tinggi, mengantisipasi dampak keputusan",
        "Menghasilkan solusi dan mengambil keputusan untuk mengatasi permasalahan jangka panjang/strategis",
    ]),
    ("SK.01", "Perekat Bangsa", "socio_cultural", None, "Kemampuan dalam mempromosikan sikap toleransi, keterbukaan, peka terhadap perbedaan individu/kelompok masyarakat; mampu menjadi perpanjangan tangan pemerintah.", [
        "Peka memahami dan menerima kemajemukan",
        "Aktif mengembangkan sikap saling menghargai, menekankan persamaan dan persatuan",
        "Mempromosikan, mengembangkan sikap toleransi dan persatuan",
        "Mendayagunakan perbedaan secara konstruktif dan kreatif untuk meningkatkan efektivitas organisasi",
        "Wakil pemerintah untuk membangun hubungan sosial psikologis",
    ]),
    ("T.01", "Manajemen ASN", "technical", Some("Kepegawaian"), "Pengelolaan data, karier dan pengembangan kompetensi pegawai ASN.", [
        "Memahami ketentuan dasar manajemen ASN",
        "Mengolah data kepegawaian sesuai prosedur",
        "Menganalisis kebutuhan pengembangan kompetensi",
        "Merancang program pengembangan kompetensi",
        "Merumuskan kebijakan manajemen talenta daerah",
    ]),
    ("T.02", "Pelayanan Administrasi Kependudukan", "technical", Some("Kependudukan"), "Penerbitan dokumen kependudukan dan pengelolaan data kependudukan.", [
        "Memahami jenis dokumen kependudukan",
        "Melayani penerbitan dokumen sesuai SOP",
        "Memverifikasi dan memvalidasi data kependudukan",
        "Mengelola integrasi data kependudukan",
        "Merumuskan inovasi layanan adminduk",
    ]),
    ("T.03", "Kesehatan Masyarakat", "technical", Some("Kesehatan"), "Upaya promotif dan preventif kesehatan masyarakat di fasilitas kesehatan tingkat pertama.", [
        "Memahami program kesehatan masyarakat",
        "Melaksanakan kegiatan promosi kesehatan",
        "Menganalisis data surveilans",
        "Merencanakan intervensi kesehatan masyarakat",
        "Merumuskan kebijakan kesehatan daerah",
    ]),
    ("T.04", "Pengelolaan Keuangan Daerah", "technical", Some("Keuangan"), "Perencanaan, penatausahaan dan pertanggungjawaban keuangan daerah.", [
        "Memahami siklus keuangan daerah",
        "Menatausahakan dokumen keuangan",
        "Menyusun laporan keuangan",
        "Menganalisis kinerja anggaran",
        "Merumuskan kebijakan pengelolaan keuangan",
    ]),
    ("T.05", "Transformasi Digital (SPBE)", "technical", Some("Komunikasi dan Informatika"), "Penerapan Sistem Pemerintahan Berbasis Elektronik dan literasi digital.", [
        "Menggunakan aplikasi perkantoran dan layanan digital",
        "Mengelola data dan informasi secara digital",
        "Mengintegrasikan layanan antar aplikasi",
        "Merancang arsitektur layanan digital unit kerja",
        "Memimpin transformasi digital organisasi",
    ]),
];

/// (name suffix, kind, managerial required level). The head of an OPD is JPT Pratama (level
/// 4; the Sekda is the head of the secretariat); the head of a bagian or bidang inside it is an
/// administrator (3): `head_of`.
const POSITION_KINDS: &[(&str, &str, i32)] = &[
    ("Kepala", "administrator", 3),
    ("Kepala Sub Bagian Umum", "pengawas", 2),
    ("Analis Kebijakan", "fungsional", 2),
    ("Pengadministrasi Umum", "pelaksana", 1),
];

const PARTNERS: &[(&str, &str, &str, &str)] = &[
    (
        "Universitas Bangka Belitung",
        "university",
        "https://www.ubb.ac.id",
        "kerjasama@ubb.ac.id",
    ),
    (
        "Politeknik Manufaktur Negeri Bangka Belitung",
        "university",
        "https://www.polman-babel.ac.id",
        "humas@polman-babel.ac.id",
    ),
    (
        "Yayasan Pemberdayaan Masyarakat Babel",
        "ngo",
        "https://ypmbabel.or.id",
        "sekretariat@ypmbabel.or.id",
    ),
    (
        "BPSDM Provinsi Kepulauan Bangka Belitung",
        "government",
        "https://bpsdm.babelprov.go.id",
        "bpsdm@babelprov.go.id",
    ),
    (
        "Forum Literasi Digital Pangkalpinang",
        "community",
        "https://literasidigital-pgk.id",
        "halo@literasidigital-pgk.id",
    ),
];

const FIRST: &[&str] = &[
    "Ahmad", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gunawan", "Hendra", "Indah", "Joko",
    "Kartika", "Lestari", "Muhammad", "Nur", "Putri", "Rahmat", "Sari", "Taufik", "Wahyu",
    "Yuliana", "Agus", "Rina", "Dedi", "Siti", "Fajar", "Ayu",
];
const LAST: &[&str] = &[
    "Saputra",
    "Wijaya",
    "Pratama",
    "Lestari",
    "Hidayat",
    "Santoso",
    "Kurniawan",
    "Permata",
    "Rahman",
    "Nugroho",
    "Anggraini",
    "Setiawan",
    "Susanti",
    "Firmansyah",
    "Maharani",
    "Syahputra",
    "Ramadhani",
    "Utami",
    "Gunadi",
    "Hartono",
];

/// One phase of the load: a transaction by the system, recorded as an import of `entity`.
fn load<T>(
    conn: &mut AnyConnection,
    entity: Entity,
    f: impl FnOnce(&mut Tx) -> Result<T, ApiError>,
) -> Result<T, String> {
    let meta = RequestMeta {
        request_id: None,
        ip: None,
    };
    write::run_once(conn, Actor::SYSTEM, &meta, |tx| {
        let value = f(tx)?;
        tx.record(Action::Import, entity, None)?;
        Ok(value)
    })
    .map_err(err)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A valid PNS NIP (or an 18-digit PPPK number), unique for every index below 336,000.
fn nip_for(index: usize) -> (String, bool) {
    let mut rng = StdRng::seed_from_u64(index as u64);
    let pns = index % 5 != 4;
    // The sequence (001..999) and the birth month and day carry the index, so numbers never
    // collide below 999 × 12 × 28 people; the birth year and the CPNS month vary.
    let (sequence, rest) = (1 + index % 999, index / 999);
    let birth = NaiveDate::from_ymd_opt(
        1965 + rng.random_range(0..35),
        1 + (rest % 12) as u32,
        1 + (rest / 12 % 28) as u32,
    )
    .unwrap_or_default();
    // Appointed CPNS at 22 to 29 (after the 17th birthday, never in the future).
    let cpns_year = (birth.year() + 22 + (index % 8) as i32).min(2025);
    let month = 1 + (index / 28 % 12);
    if pns {
        let nip = format!(
            "{}{cpns_year:04}{month:02}{}{sequence:03}",
            birth.format("%Y%m%d"),
            1 + index % 2,
        );
        (nip, true)
    } else {
        // PPPK: the birth date, the appointment year, 21, the sex digit and the sequence.
        let appointed = 2021 + index % 4;
        (
            format!(
                "{}{appointed:04}21{}{sequence:03}",
                birth.format("%Y%m%d"),
                1 + index % 2
            ),
            false,
        )
    }
}

pub fn seed_demo(pool: &DbPool, employees_wanted: usize) -> Result<SeedReport, String> {
    let mut conn = pool.get().map_err(err)?;
    let mut report = SeedReport::default();
    load(&mut conn, Entity::Unit, |c| {
        seed_units(c, &mut report)?;
        seed_competencies(c, &mut report)?;
        seed_positions(c, &mut report)?;
        seed_partners(c, &mut report)
    })?;
    seed_employees(&mut conn, employees_wanted, &mut report)?;
    load(&mut conn, Entity::Exemption, |c| {
        seed_exemptions(c, &mut report)
    })?;
    load(&mut conn, Entity::ExternalLearning, |c| {
        seed_external_learning(c, &mut report)
    })?;
    seed_trainers(&mut conn, &mut report)?;
    seed_trainings(&mut conn, employees_wanted, &mut report)?;
    seed_feedback(&mut conn, &mut report)?;
    load(&mut conn, Entity::Programme, seed_evaluation_loop)?;
    load(&mut conn, Entity::Training, seed_nomination)?;
    load(&mut conn, Entity::Session, seed_sessions)?;
    load(&mut conn, Entity::Policy, seed_policies)?;
    load(&mut conn, Entity::Trainer, seed_trainer_pool)?;
    let year = crate::types::today().year();
    for plan_year in [year - 1, year] {
        load(&mut conn, Entity::Plan, |c| seed_plan(c, plan_year))?;
    }
    // This year's development needs, from the gaps of the people just loaded.
    load(&mut conn, Entity::DevelopmentNeed, |c| {
        crate::needs::queries::generate(c, crate::types::today().year())
    })?;
    // The report aggregates, from the rows just loaded.
    load(&mut conn, Entity::Training, |tx| {
        Ok(crate::aggregates::after(
            tx,
            crate::aggregates::Change::Everything,
        )?)
    })?;
    for table in [
        "feedback_totals",
        "feedback_totals_by_training",
        "trainer_rating_totals",
        "trainer_rating_totals_by_training",
        "enrolment_totals",
        "enrolment_totals_by_training",
        "employee_jp",
        "employee_standing",
        "level_counts",
    ] {
        crate::db::analyze(&mut conn, table).map_err(err)?;
    }
    Ok(report)
}

/// Exemptions from the JP target, as a BKPSDM keeps them: the first employee is on study leave
/// from August to October this year (and was on long leave last spring); about one in forty
/// is on study leave for the first half of this year, one in ninety on maternity leave for
/// three months. Only into an empty table, so a second run adds none.
fn seed_exemptions(c: &mut Tx, report: &mut SeedReport) -> Result<(), ApiError> {
    use crate::db::schema::{employees, exemptions};
    let already: i64 = exemptions::table.count().get_result(c.conn())?;
    if already > 0 {
        return Ok(());
    }
    let year = crate::types::today().year();
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    let ids: Vec<i64> = employees::table
        .order(employees::id)
        .select(employees::id)
        .load(c.conn())?;
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let periods: Vec<(&str, Option<NaiveDate>, Option<NaiveDate>, &str)> = match i {
            0 => vec![
                (
                    "long_leave",
                    day(year - 1, 3, 1),
                    day(year - 1, 5, 31),
                    "Cuti besar",
                ),
                (
                    "study_leave",
                    day(year, 8, 1),
                    day(year, 10, 31),
                    "Tugas belajar S2 Universitas Bangka Belitung",
                ),
            ],
            i if i % 40 == 39 => vec![(
                "study_leave",
                day(year, 1, 1),
                day(year, 6, 30),
                "Tugas belajar",
            )],
            i if i % 90 == 45 => vec![(
                "maternity_leave",
                day(year, 2, 1),
                day(year, 4, 30),
                "Cuti melahirkan",
            )],
            _ => continue,
        };
        for (kind, from, to, note) in periods {
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            let at = now();
            rows.push((
                exemptions::employee_id.eq(*id),
                exemptions::kind.eq(kind),
                exemptions::from_date.eq(from),
                exemptions::to_date.eq(to),
                exemptions::note.eq(Some(note)),
                exemptions::created_at.eq(at),
                exemptions::updated_at.eq(at),
            ));
        }
    }
    report.exemptions += rows.len();
    crate::insert_rows!(c.conn(), exemptions::table, rows)?;
    Ok(())
}

/// The smallest PDF a viewer opens: the evidence of the demo's first external learning.
const DEMO_EVIDENCE: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n";

/// Learning outside the city's trainings, as staff file it: about one in six people has a
/// MOOC, a ministry's bimtek or a provincial course this year or last; most are verified, a few
/// wait for review (the first one, with its certificate attached, among them), some were
/// rejected. Only into an empty table, so a second run adds none.
fn seed_external_learning(c: &mut Tx, report: &mut SeedReport) -> Result<(), ApiError> {
    use crate::db::schema::{employees, evidence_files, external_learning};
    let already: i64 = external_learning::table.count().get_result(c.conn())?;
    if already > 0 {
        return Ok(());
    }
    const COURSES: &[(&str, &str, &str, i32, i64)] = &[
        (
            "Manajemen ASN Berbasis Sistem Merit",
            "LAN RI - ASN Unggul",
            "e_learning",
            20,
            21,
        ),
        (
            "Pelayanan Publik Prima",
            "LAN RI - ASN Unggul",
            "e_learning",
            12,
            14,
        ),
        (
            "Bimtek Penyusunan SAKIP",
            "Kementerian PANRB",
            "bimtek",
            24,
            3,
        ),
        (
            "Pengelolaan Keuangan Daerah",
            "BPSDM Provinsi Kepulauan Bangka Belitung",
            "pelatihan",
            40,
            5,
        ),
        (
            "Literasi Digital ASN",
            "Kementerian Kominfo - Digital Talent",
            "e_learning",
            8,
            7,
        ),
        (
            "Seminar Nasional Reformasi Birokrasi",
            "Universitas Bangka Belitung",
            "seminar",
            6,
            1,
        ),
    ];
    let today = crate::types::today();
    let ids: Vec<i64> = employees::table
        .order(employees::id)
        .select(employees::id)
        .load(c.conn())?;
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if i % 6 != 0 {
            continue;
        }
        let mut rng = StdRng::seed_from_u64(0xE1 ^ i as u64);
        let (title, provider, form, jp, days) = COURSES[rng.random_range(0..COURSES.len())];
        let end = today - chrono::Duration::days(rng.random_range(1..400));
        let start = end - chrono::Duration::days(days - 1);
        // Most verified; the first waits (the demo's review example), every ninth too, every
        // thirteenth was rejected.
        let status = match i {
            0 => "pending",
            i if i % 54 == 48 => "pending",
            i if i % 78 == 72 => "rejected",
            _ => "verified",
        };
        let at = now();
        rows.push((
            external_learning::employee_id.eq(*id),
            external_learning::title.eq(title),
            external_learning::provider.eq(provider),
            external_learning::form.eq(form),
            external_learning::start_date.eq(start),
            external_learning::end_date.eq(end),
            external_learning::jp.eq(jp),
            external_learning::certificate_number.eq(Some(format!("EXT-{}-{:05}", end.year(), i))),
            external_learning::status.eq(status),
            external_learning::review_note
                .eq((status == "rejected").then_some("Sertifikat tidak terbaca")),
            external_learning::reviewed_at.eq((status != "pending").then_some(at)),
            external_learning::created_at.eq(at),
            external_learning::updated_at.eq(at),
        ));
    }
    report.external_learning += rows.len();
    crate::insert_rows!(c.conn(), external_learning::table, rows)?;
    let first: Option<i64> = external_learning::table
        .order(external_learning::id)
        .select(external_learning::id)
        .first(c.conn())
        .optional()?;
    if let Some(first) = first {
        diesel::insert_into(evidence_files::table)
            .values((
                evidence_files::external_learning_id.eq(first),
                evidence_files::content.eq(DEMO_EVIDENCE),
            ))
            .execute(c.conn())?;
        diesel::update(external_learning::table.find(first))
            .set((
                external_learning::evidence_filename.eq("sertifikat.pdf"),
                external_learning::evidence_content_type.eq("application/pdf"),
                external_learning::evidence_size.eq(DEMO_EVIDENCE.len() as i64),
            ))
            .execute(c.conn())?;
    }
    Ok(())
}

fn unit_ids(conn: &mut AnyConnection) -> QueryResult<HashMap<String, i64>> {
    Ok(units::table
        .select((units::code, units::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

fn seed_units(c: &mut Tx, report: &mut SeedReport) -> Result<(), ApiError> {
    for (code, name, parent) in UNITS {
        let ids = unit_ids(c)?;
        if ids.contains_key(*code) {
            continue;
        }
        let at = now();
        diesel::insert_into(units::table)
            .values((
                units::code.eq(code),
                units::name.eq(name),
                units::parent_id.eq(parent.and_then(|p| ids.get(p).copied())),
                units::active.eq(true),
                units::created_at.eq(at),
                units::updated_at.eq(at),
                units::version.eq(1),
            ))
            .execute(c.conn())?;
        report.units += 1;
    }
    Ok(())
}

fn seed_competencies(c: &mut Tx, report: &mut SeedReport) -> Result<(), ApiError> {
    let existing: Vec<String> = competencies::table
        .select(competencies::code)
        .load(c.conn())?;
    for (code, name, kind, field, description, levels) in COMPETENCIES {
        if existing.iter().any(|e| e == code) {
            continue;
        }
        let levels: Vec<_> = levels
            .iter()
            .enumerate()
            .map(|(i, d)| crate::competencies::model::Level {
                level: i as i32 + 1,
                description: d.to_string(),
                indicators: vec![d.to_string()],
            })
            .collect();
        let at = now();
        diesel::insert_into(competencies::table)
            .values((
                competencies::code.eq(code),
                competencies::name.eq(name),
                competencies::kind.eq(kind),
                competencies::field.eq(field),
                competencies::description.eq(description),
                competencies::levels
                    .eq(serde_json::to_string(&levels).unwrap_or_else(|_| "[]".into())),
                competencies::active.eq(true),
                competencies::created_at.eq(at),
                competencies::updated_at.eq(at),
                competencies::version.eq(1),
            ))
            .execute(c.conn())?;
        report.competencies += 1;
    }
    Ok(())
}

/// The technical competency that fits a unit best.
fn technical_for(unit_code: &str) -> &'static str {
    match unit_code.split('-').next().unwrap_or("") {
        "BKPSDM" => "T.01",
        "DISDUKCAPIL" | "KEC" => "T.02",
        "DINKES" => "T.03",
        "BPKAD" | "BAPPEDA" => "T.04",
        _ => "T.05",
    }
}

fn seed_positions(c: &mut Tx, report: &mut SeedReport) -> Result<(), ApiError> {
    let units = unit_ids(c)?;
    let competency_ids: HashMap<String, i64> = competencies::table
        .select((competencies::code, competencies::id))
        .load::<(String, i64)>(c.conn())?
        .into_iter()
        .collect();
    let existing: Vec<(String, Option<i64>)> = positions::table
        .select((positions::name, positions::unit_id))
        .load(c.conn())?;
    for (code, unit_name, parent) in UNITS {
        let Some(&unit) = units.get(*code) else {
            continue;
        };
        for &(title, kind, managerial) in POSITION_KINDS {
            let (name, kind, managerial) = match (title, parent) {
                ("Kepala", None) => (head_of(code, unit_name), "jpt", 4),
                _ => (format!("{title} {unit_name}"), kind, managerial),
            };
            if existing.iter().any(|(n, u)| *n == name && *u == Some(unit)) {
                continue;
            }
            let at = now();
            let insert = diesel::insert_into(positions::table).values((
                positions::name.eq(&name),
                positions::kind.eq(kind),
                positions::unit_id.eq(unit),
                positions::created_at.eq(at),
                positions::updated_at.eq(at),
                positions::version.eq(1),
            ));
            let id = crate::types::PositionId(crate::insert_returning_id!(
                c.conn(),
                insert,
                positions::id
            )?);
            let mut standard: Vec<crate::positions::model::Standard> = COMPETENCIES
                .iter()
                .filter(|(_, _, k, ..)| *k != "technical")
                .filter_map(|(code, ..)| competency_ids.get(*code))
                .map(|&competency_id| crate::positions::model::Standard {
                    competency_id: crate::types::CompetencyId(competency_id),
                    required_level: managerial,
                })
                .collect();
            if let Some(&tech) = competency_ids.get(technical_for(code)) {
                standard.push(crate::positions::model::Standard {
                    competency_id: crate::types::CompetencyId(tech),
                    required_level: (managerial + 1).min(5),
                });
            }
            crate::positions::queries::replace_standards(c, id, &standard)?;
            report.positions += 1;
        }
    }
    Ok(())
}

/// The head of an OPD: the Sekda for the secretariat, else `Kepala <OPD>`.
fn head_of(code: &str, unit_name: &str) -> String {
    match code {
        "SETDA" => "Sekretaris Daerah Kota Pangkalpinang".into(),
        _ => format!("Kepala {unit_name}"),
    }
}

fn seed_partners(c: &mut Tx, report: &mut SeedReport) -> Result<(), ApiError> {
    let existing: Vec<String> = partners::table.select(partners::name).load(c.conn())?;
    let today = crate::types::today();
    for (i, (name, kind, website, email)) in PARTNERS.iter().enumerate() {
        if existing.iter().any(|e| e == name) {
            continue;
        }
        let at = now();
        // Agreements at different stages: one expiring soon, one expired, the rest running.
        let end = match i {
            0 => today + chrono::Duration::days(45),
            2 => today - chrono::Duration::days(30),
            _ => today + chrono::Duration::days(400),
        };
        diesel::insert_into(partners::table)
            .values((
                partners::name.eq(name),
                partners::kind.eq(kind),
                partners::website.eq(website),
                partners::email.eq(email),
                partners::agreement_number.eq(format!(
                    "PKS/{:03}/BKPSDM/{}",
                    i + 1,
                    today.year() - 1
                )),
                partners::agreement_start.eq(end - chrono::Duration::days(730)),
                partners::agreement_end.eq(end),
                partners::active.eq(true),
                partners::created_at.eq(at),
                partners::updated_at.eq(at),
                partners::version.eq(1),
            ))
            .execute(c.conn())?;
        report.partners += 1;
    }
    Ok(())
}

fn seed_employees(
    conn: &mut AnyConnection,
    wanted: usize,
    report: &mut SeedReport,
) -> Result<(), String> {
    let units = unit_ids(conn).map_err(err)?;
    let unit_list: Vec<(String, i64)> = UNITS
        .iter()
        .filter_map(|(code, ..)| units.get(*code).map(|id| (code.to_string(), *id)))
        .collect();
    if unit_list.is_empty() {
        return Ok(());
    }
    let position_rows: Vec<(i64, Option<i64>, String)> = positions::table
        .select((positions::id, positions::unit_id, positions::kind))
        .order(positions::id)
        .load(conn)
        .map_err(err)?;
    let standards: Vec<(i64, i64, i32)> = crate::db::schema::position_standards::table
        .select((
            crate::db::schema::position_standards::position_id,
            crate::db::schema::position_standards::competency_id,
            crate::db::schema::position_standards::required_level,
        ))
        .load(conn)
        .map_err(err)?;
    // Work in batches: each its own transaction, so memory stays flat for large N.
    const BATCH: usize = 2000;
    let today = crate::types::today();
    let mut start = 0;
    while start < wanted {
        let end = (start + BATCH).min(wanted);
        let mut planned = Vec::with_capacity(end - start);
        for index in start..end {
            let mut rng = StdRng::seed_from_u64(0x5EED_0000 + index as u64);
            let (nip, pns) = nip_for(index);
            let (_, unit) = &unit_list[index % unit_list.len()];
            let unit_positions: Vec<&(i64, Option<i64>, String)> = position_rows
                .iter()
                .filter(|p| p.1 == Some(*unit))
                .collect();
            // Few heads, many staff.
            let position = match rng.random_range(0..20) {
                0 => unit_positions.first(),
                1..=3 => unit_positions.get(1),
                4..=9 => unit_positions.get(2),
                _ => unit_positions.get(3),
            }
            .map(|p| p.0);
            let name = format!(
                "{} {}",
                FIRST[rng.random_range(0..FIRST.len())],
                LAST[rng.random_range(0..LAST.len())]
            );
            let grade = if pns {
                format!(
                    "{}/{}",
                    ["II", "III", "III", "IV"][rng.random_range(0..4)],
                    ['a', 'b', 'c', 'd'][rng.random_range(0..4)]
                )
            } else {
                ["V", "VII", "IX", "XI"][rng.random_range(0..4)].to_string()
            };
            planned.push((
                EmployeeInput {
                    nip,
                    name,
                    front_title: None,
                    back_title: if rng.random_bool(0.6) {
                        Some(
                            ["S.Kom.", "S.E.", "S.Sos.", "S.Pd.", "S.K.M.", "M.Si."]
                                [rng.random_range(0..6)]
                            .into(),
                        )
                    } else {
                        None
                    },
                    asn_type: if pns { AsnType::Pns } else { AsnType::Pppk },
                    rank_grade: Some(grade),
                    position_id: position.map(crate::types::PositionId),
                    unit_id: crate::types::UnitId(*unit),
                    email: Some(format!("pegawai{index}@pangkalpinangkota.go.id")),
                    phone: None,
                    siasn_id: None,
                    appointed_on: None,
                    active: true,
                },
                rng,
            ));
        }
        load(conn, Entity::Employee, |c| {
            let nips: Vec<String> = planned.iter().map(|(e, _)| e.nip.clone()).collect();
            let existing = crate::employees::queries::by_nips(c, &nips)?;
            let fresh: Vec<(EmployeeInput, StdRng)> = planned
                .into_iter()
                .filter(|(e, _)| !existing.contains_key(&e.nip))
                .collect();
            if fresh.is_empty() {
                return Ok(());
            }
            let fresh_nips: Vec<String> = fresh.iter().map(|(e, _)| e.nip.clone()).collect();
            let new: Vec<EmployeeInput> = fresh.iter().map(|(e, _)| e.clone()).collect();
            report.employees += crate::employees::queries::create_many(c, &new)?;
            let ids = crate::employees::queries::by_nips(c, &fresh_nips)?;
            let mut rows = Vec::new();
            for (employee, mut rng) in fresh {
                let (Some(row), Some(position)) = (ids.get(&employee.nip), employee.position_id)
                else {
                    continue;
                };
                // About 30% not assessed yet; employee 1, the demo's anchor, always is (the
                // request examples correct its first assessment).
                if rng.random_range(0..10) >= 7 && row.id.0 != 1 {
                    continue;
                }
                for (_, competency, required) in standards.iter().filter(|s| s.0 == position.0) {
                    let level = (required + rng.random_range(-2..=1)).clamp(1, 5);
                    let day = today - chrono::Duration::days(rng.random_range(30..700));
                    // Mostly measured levels; a supervisor's rating now and then, which is shown
                    // but does not set the level (`jpm_methods`).
                    let (method, assessor) = [
                        ("assessment_center", "UPT Penilaian Kompetensi BKPSDM"),
                        ("test", "UPT Penilaian Kompetensi BKPSDM"),
                        ("supervisor", "Atasan langsung"),
                    ][rng.random_range(0..3)];
                    rows.push((
                        assessments::employee_id.eq(row.id),
                        assessments::competency_id.eq(*competency),
                        assessments::level.eq(level),
                        assessments::assessed_on.eq(day),
                        assessments::method.eq(method),
                        assessments::assessor.eq(Some(assessor)),
                        assessments::created_at.eq(now()),
                    ));
                }
            }
            report.assessments += rows.len();
            crate::insert_rows!(c.conn(), assessments::table, rows)?;
            Ok(())
        })?;
        start = end;
    }
    load(conn, Entity::Assessment, |c| {
        let methods = crate::settings::queries::get(c)?.jpm_methods.0;
        Ok(crate::assessments::queries::rebuild_current_levels(
            c, &methods,
        )?)
    })?;
    crate::db::analyze(conn, "employees").map_err(err)?;
    crate::db::analyze(conn, "assessments").map_err(err)?;
    crate::db::analyze(conn, "competency_levels").map_err(err)?;
    Ok(())
}

const TRAINING_TOPICS: &[(&str, &str)] = &[
    ("Pelatihan Kepemimpinan Pengawas", "M.02"),
    ("Seminar Pelayanan Publik Prima", "M.05"),
    ("Workshop Penyusunan SKP dan Manajemen Kinerja", "M.04"),
    ("Kursus Bahasa Inggris untuk ASN", "M.03"),
    ("Bimtek Pengelolaan Keuangan Daerah", "T.04"),
    ("Sosialisasi Regulasi Manajemen ASN Terbaru", "T.01"),
    ("E-Learning Literasi Digital dan SPBE", "T.05"),
    ("Coaching Pengambilan Keputusan", "M.08"),
    ("Mentoring Pengembangan Diri", "M.06"),
    ("Magang Layanan Administrasi Kependudukan", "T.02"),
    ("Orientasi Nilai Dasar BerAKHLAK", "M.01"),
];

fn seed_trainers(conn: &mut AnyConnection, report: &mut SeedReport) -> Result<(), String> {
    use crate::db::schema::{employees, trainers};
    load(conn, Entity::Trainer, |c| {
        let existing: Vec<String> = trainers::table.select(trainers::name).load(c.conn())?;
        let partner_ids: Vec<i64> = partners::table
            .select(partners::id)
            .order(partners::id)
            .load(c.conn())?;
        let competency_ids: Vec<i64> = competencies::table
            .select(competencies::id)
            .order(competencies::id)
            .load(c.conn())?;
        let internal: Vec<(i64, String)> = employees::table
            .select((employees::id, employees::name))
            .order(employees::id)
            .limit(4)
            .load(c.conn())?;
        let mut people: Vec<(String, &str, Option<i64>, Option<i64>)> = internal
            .into_iter()
            .map(|(id, name)| (format!("{name} (Widyaiswara)"), "internal", Some(id), None))
            .collect();
        for (i, name) in [
            "Dr. Hendra Gunawan, M.Si.",
            "Prof. Rina Maharani",
            "Ir. Taufik Hidayat, M.T.",
            "Dewi Anggraini, S.Psi., M.Psi.",
        ]
        .iter()
        .enumerate()
        {
            people.push((
                name.to_string(),
                "external",
                None,
                partner_ids.get(i % partner_ids.len().max(1)).copied(),
            ));
        }
        for (i, (name, kind, employee, partner)) in people.into_iter().enumerate() {
            if existing.contains(&name) {
                continue;
            }
            let at = now();
            let insert = diesel::insert_into(trainers::table).values((
                trainers::name.eq(&name),
                trainers::kind.eq(kind),
                trainers::employee_id.eq(employee),
                trainers::partner_id.eq(partner),
                trainers::active.eq(true),
                trainers::created_at.eq(at),
                trainers::updated_at.eq(at),
                trainers::version.eq(1),
            ));
            let id: i64 = crate::insert_returning_id!(c.conn(), insert, trainers::id)?;
            // Few trainers, each for a few competencies: the shortage the reports should show.
            let taught: Vec<crate::types::CompetencyId> = (0..2)
                .filter_map(|k| competency_ids.get((i * 3 + k) % competency_ids.len().max(1)))
                .map(|&c| crate::types::CompetencyId(c))
                .collect();
            crate::trainers::queries::COMPETENCIES.replace(
                c,
                crate::types::TrainerId(id),
                &taught,
            )?;
            report.trainers += 1;
        }
        Ok(())
    })
}

fn seed_trainings(
    conn: &mut AnyConnection,
    employee_count: usize,
    report: &mut SeedReport,
) -> Result<(), String> {
    use crate::db::schema::{employees, enrolments, trainers, trainings};
    use crate::trainings::model::{Form, Links, TargetCompetency};
    if employee_count == 0 {
        return Ok(());
    }
    let count = (employee_count / 10).max(Form::ALL.len());
    let per_training = (10 * employee_count / count).clamp(1, employee_count);
    let today = crate::types::today();
    let first_day = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today);
    let span = (NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today) - first_day)
        .num_days()
        .max(1);
    let people: Vec<(i64, i64, String)> = employees::table
        .select((employees::id, employees::unit_id, employees::asn_type))
        .order(employees::id)
        .load(conn)
        .map_err(err)?;
    let employee_ids: Vec<i64> = people.iter().map(|p| p.0).collect();
    // How often a unit's people are sent to training (percent): some units send nearly
    // everyone, some few, so compliance differs by unit as the city's does. PPPK are sent a
    // third as often: their development is capped (24 JP a contract year), not owed.
    let sent: HashMap<i64, u32> = people
        .iter()
        .map(|(id, unit, asn)| {
            let share = [100, 85, 55, 30][unit.rem_euclid(4) as usize];
            (*id, if asn == "pppk" { share / 3 } else { share })
        })
        .collect();
    let partner_ids: Vec<i64> = partners::table
        .select(partners::id)
        .order(partners::id)
        .load(conn)
        .map_err(err)?;
    let trainer_ids: Vec<i64> = trainers::table
        .select(trainers::id)
        .order(trainers::id)
        .load(conn)
        .map_err(err)?;
    let competency_ids: HashMap<String, i64> = competencies::table
        .select((competencies::code, competencies::id))
        .load::<(String, i64)>(conn)
        .map_err(err)?
        .into_iter()
        .collect();
    let existing: std::collections::HashSet<String> = trainings::table
        .select(trainings::title)
        .load::<String>(conn)
        .map_err(err)?
        .into_iter()
        .collect();
    if employee_ids.is_empty() {
        return Ok(());
    }
    let settings = crate::settings::queries::get(conn).map_err(err)?;
    if existing.is_empty() {
        load(conn, Entity::Training, |c| {
            let competency = competency_ids.values().min().copied();
            example_anchor(
                c,
                today,
                &employee_ids,
                &partner_ids,
                &trainer_ids,
                competency,
            )
        })?;
        report.trainings += 1;
        report.enrolments += 1;
    }
    let mut index = 0;
    while index < count {
        let end_index = (index + 200).min(count);
        load(conn, Entity::Training, |c| {
            let mut rows = Vec::new();
            for i in index..end_index {
                let mut rng = StdRng::seed_from_u64(0x7A1_0000 + i as u64);
                let form = Form::ALL[i % Form::ALL.len()];
                let (topic, competency) = TRAINING_TOPICS[i % TRAINING_TOPICS.len()];
                let start = first_day + chrono::Duration::days(i as i64 * span / count as i64);
                let title = format!(
                    "{topic} Angkatan {} Tahun {}",
                    i / TRAINING_TOPICS.len() + 1,
                    start.year()
                );
                if existing.contains(&title) {
                    continue;
                }
                let days = rng.random_range(0..4);
                let end = start + chrono::Duration::days(days);
                // A classical training holds at most `max_jp_per_day` JP a day.
                let jp = [4, 8, 12, 16, 24, 32, 40][rng.random_range(0..7)];
                let jp = match form.classical() {
                    true => jp.min(
                        crate::trainings::rules::max_classical_jp(&settings, start, end) as i32,
                    ),
                    false => jp,
                };
                let status = if i % 37 == 36 {
                    "cancelled"
                } else if end < today {
                    "completed"
                } else if start <= today {
                    "ongoing"
                } else if (start - today).num_days() < 60 {
                    "open"
                } else if i % 5 == 0 {
                    "draft"
                } else {
                    "planned"
                };
                let mode = match form {
                    Form::ELearning => "online",
                    Form::Coaching | Form::Mentoring => "blended",
                    _ => "in_person",
                };
                let at = now();
                let partner = partner_ids.get(i % partner_ids.len().max(1)).copied();
                let trainer = trainer_ids.get(i % trainer_ids.len().max(1)).copied();
                let target = competency_ids
                    .get(competency)
                    .map(|&comp| TargetCompetency {
                        competency_id: crate::types::CompetencyId(comp),
                        target_level: 3,
                    });
                let links = Links {
                    partner_ids: partner.map(crate::types::PartnerId).into_iter().collect(),
                    trainer_ids: trainer.map(crate::types::TrainerId).into_iter().collect(),
                    competencies: target.into_iter().collect(),
                    policy_ids: Vec::new(),
                };
                let insert = diesel::insert_into(trainings::table).values((
                    trainings::title.eq(&title),
                    trainings::description.eq(Some(format!(
                        "{topic} bagi ASN Pemerintah Kota Pangkalpinang."
                    ))),
                    trainings::form.eq(form.as_str()),
                    trainings::mode.eq(mode),
                    trainings::jp.eq(jp),
                    trainings::start_date.eq(start),
                    trainings::end_date.eq(end),
                    trainings::location.eq(Some(
                        [
                            "Aula BKPSDM",
                            "Gedung Tudung Saji",
                            "Hotel Santika Bangka",
                            "Ruang Rapat Setda",
                        ][rng.random_range(0..4)],
                    )),
                    trainings::online_url.eq((mode != "in_person")
                        .then_some("https://elearning.pangkalpinangkota.go.id/kelas")),
                    trainings::capacity.eq(Option::<i32>::None),
                    trainings::enrolment_deadline
                        .eq(Some(start - chrono::Duration::days(3)).filter(|d| *d <= end)),
                    trainings::cost.eq(Some(rng.random_range(5..60) * 1_000_000i64)),
                    trainings::status.eq(status),
                    trainings::siasn_course_type_id
                        .eq(Some([5, 9, 4, 3, 8, 7, 3, 5, 5, 10, 5][i % 11])),
                    trainings::enrolled_count.eq(0),
                    trainings::created_at.eq(at),
                    trainings::updated_at.eq(at),
                    trainings::version.eq(1),
                ));
                let id = crate::types::TrainingId(crate::insert_returning_id!(
                    c.conn(),
                    insert,
                    trainings::id
                )?);
                crate::trainings::queries::replace_links(c, id, &links)?;
                report.trainings += 1;
                if status == "draft" || status == "cancelled" {
                    continue;
                }
                let offset = (i * 37) % employee_ids.len();
                let mut taken = 0;
                let mut issued = 0i64;
                for k in 0..per_training {
                    let employee = employee_ids[(offset + k) % employee_ids.len()];
                    if rng.random_range(0..100) >= sent.get(&employee).copied().unwrap_or(100) {
                        continue;
                    }
                    let roll = rng.random_range(0..100);
                    let (st, done) = match status {
                        "completed" if roll < 80 => ("completed", true),
                        "completed" if roll < 90 => ("failed", false),
                        "completed" if roll < 95 => ("no_show", false),
                        "completed" => ("withdrawn", false),
                        "ongoing" => (if roll < 70 { "attended" } else { "registered" }, false),
                        _ => ("registered", false),
                    };
                    if st != "withdrawn" {
                        taken += 1;
                    }
                    let pre = f64::from(rng.random_range(35..75));
                    let finished = status == "completed" && st != "withdrawn" && st != "no_show";
                    rows.push((
                        enrolments::training_id.eq(id),
                        enrolments::employee_id.eq(employee),
                        enrolments::status.eq(st),
                        // A completion attends at least the minimum; a failure may not have.
                        enrolments::attendance_percent.eq(finished.then(|| match done {
                            true => rng.random_range(settings.min_attendance_percent..=100),
                            false => rng.random_range(50..=100),
                        })),
                        enrolments::pre_test_score.eq(finished.then_some(pre)),
                        enrolments::post_test_score.eq(finished.then(|| {
                            (pre + f64::from(rng.random_range(-5..35))).clamp(0.0, 100.0)
                        })),
                        // Numbered as the service numbers them (the default format, which
                        // needs no enrolment id), each with its code.
                        enrolments::certificate_number.eq(done.then(|| {
                            issued += 1;
                            crate::certificates::number::format_number(
                                crate::certificates::number::DEFAULT_FORMAT,
                                &crate::certificates::number::NumberParts {
                                    year: end.year(),
                                    training_id: id.0,
                                    enrolment_id: 0,
                                    seq: issued,
                                },
                            )
                        })),
                        enrolments::verification_code
                            .eq(done.then(crate::certificates::number::new_code)),
                        enrolments::jp_credited.eq(Option::<i32>::None),
                        enrolments::completed_at.eq(done.then(|| {
                            end.and_time(chrono::NaiveTime::MIN) + chrono::Duration::hours(16)
                        })),
                        // Classical completions are on the end date; self-paced ones on a day
                        // of the course (`rules::completion_day`).
                        enrolments::completed_on.eq(done.then(|| match form.classical() {
                            true => end,
                            false => {
                                start
                                    + chrono::Days::new(
                                        rng.random_range(0..=(end - start).num_days().max(0))
                                            as u64,
                                    )
                            }
                        })),
                        enrolments::created_at.eq(at),
                        enrolments::updated_at.eq(at),
                        enrolments::version.eq(1),
                    ));
                }
                diesel::update(trainings::table.find(id))
                    .set((
                        trainings::enrolled_count.eq(taken),
                        trainings::certificate_seq.eq(issued as i32),
                    ))
                    .execute(c.conn())?;
            }
            report.enrolments += rows.len();
            crate::insert_rows!(c.conn(), enrolments::table, rows)?;
            // Completions credit the training's JP.
            diesel::update(
                enrolments::table
                    .filter(enrolments::status.eq("completed"))
                    .filter(enrolments::jp_credited.is_null()),
            )
            .set(
                enrolments::jp_credited.eq(trainings::table
                    .filter(trainings::id.eq(enrolments::training_id))
                    .select(trainings::jp)
                    .single_value()),
            )
            .execute(c.conn())?;
            Ok(())
        })?;
        index = end_index;
    }
    crate::db::analyze(conn, "enrolments").map_err(err)?;
    crate::db::analyze(conn, "trainings").map_err(err)?;
    Ok(())
}

/// On a fresh data set, training 1 and enrolment 1 are what the request examples of the
/// OpenAPI document act on: an `ongoing` training with one seat taken by the second employee
/// (`registered`), so the examples as Swagger UI shows them enrol employee 1, record the
/// attendance of enrolment 1, and let the second employee's account give feedback.
fn example_anchor(
    c: &mut Tx,
    today: NaiveDate,
    employee_ids: &[i64],
    partner_ids: &[i64],
    trainer_ids: &[i64],
    competency: Option<i64>,
) -> Result<(), ApiError> {
    use crate::db::schema::{enrolments, trainings};
    use crate::trainings::model::{Links, TargetCompetency};
    use crate::types::{CompetencyId, PartnerId, TrainerId, TrainingId};
    let at = now();
    let insert = diesel::insert_into(trainings::table).values((
        trainings::title.eq("Orientasi Sistem Kompetensi ASN"),
        trainings::description.eq(Some(
            "Pengenalan standar kompetensi jabatan, penilaian dan rencana pengembangan.",
        )),
        trainings::form.eq("sosialisasi"),
        trainings::mode.eq("in_person"),
        trainings::jp.eq(8),
        // Ending today: the status example (`completed`) is allowed from the end date on.
        trainings::start_date.eq(today - chrono::Duration::days(2)),
        trainings::end_date.eq(today),
        trainings::location.eq(Some("Aula BKPSDM")),
        trainings::capacity.eq(Option::<i32>::None),
        trainings::status.eq("ongoing"),
        trainings::siasn_course_type_id.eq(Some(5)),
        trainings::enrolled_count.eq(1),
        trainings::created_at.eq(at),
        trainings::updated_at.eq(at),
        trainings::version.eq(1),
    ));
    let id = TrainingId(crate::insert_returning_id!(
        c.conn(),
        insert,
        trainings::id
    )?);
    let links = Links {
        partner_ids: partner_ids
            .first()
            .map(|&p| PartnerId(p))
            .into_iter()
            .collect(),
        trainer_ids: trainer_ids
            .first()
            .map(|&t| TrainerId(t))
            .into_iter()
            .collect(),
        competencies: competency
            .map(|id| TargetCompetency {
                competency_id: CompetencyId(id),
                target_level: 3,
            })
            .into_iter()
            .collect(),
        policy_ids: Vec::new(),
    };
    crate::trainings::queries::replace_links(c, id, &links)?;
    let participant = employee_ids.get(1).or(employee_ids.first()).copied();
    diesel::insert_into(enrolments::table)
        .values((
            enrolments::training_id.eq(id),
            enrolments::employee_id.eq(participant.unwrap_or_default()),
            enrolments::status.eq("registered"),
            enrolments::created_at.eq(at),
            enrolments::updated_at.eq(at),
            enrolments::version.eq(1),
        ))
        .execute(c.conn())?;
    Ok(())
}

const COMMENTS_GOOD: &[&str] = &[
    "Materi sangat relevan dengan pekerjaan sehari-hari.",
    "Narasumber menguasai materi dan komunikatif.",
    "Terima kasih, sangat bermanfaat.",
];
const COMMENTS_METHOD: &[&str] = &[
    "Metode ceramah satu arah terlalu lama, kurang praktik.",
    "Sebaiknya lebih banyak diskusi kelompok dan studi kasus.",
    "Penyampaian monoton, peserta mengantuk.",
];

/// Feedback for most attended or completed enrolments; some trainings are clearly criticised
/// for their teaching method, so the evaluation report has something to flag.
/// The evaluation loop on the demo set: a programme whose first run's method was flagged, an
/// improvement action naming the second run (which the seeded feedback rates well), a third
/// run to come; a second programme; action plans of the first runs' completions, half of them
/// reviewed.
fn seed_evaluation_loop(c: &mut Tx) -> Result<(), ApiError> {
    use crate::db::schema::{
        action_plans, enrolments, feedback, improvement_actions, programmes, trainings,
    };
    let seeded: i64 = programmes::table.count().get_result(c.conn())?;
    if seeded > 0 {
        return Ok(());
    }
    let at = now();
    let responses: HashMap<i64, i64> = feedback::table
        .group_by(feedback::training_id)
        .select((feedback::training_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(c.conn())?
        .into_iter()
        .collect();
    let held: Vec<(i64, NaiveDate, String)> = trainings::table
        .filter(trainings::leadership_programme.is_null())
        .filter(trainings::status.ne("cancelled"))
        .order((trainings::start_date, trainings::id))
        .select((trainings::id, trainings::start_date, trainings::title))
        .load(c.conn())?;
    let answered = |id: i64| responses.get(&id).copied().unwrap_or(0) >= 5;
    // The catalogue repeats a topic as "<topic> Angkatan N Tahun Y": its runs.
    let topic = |title: &str| title.split(" Angkatan").next().unwrap_or(title).to_string();
    // Seeded feedback criticises the method of every sixth training (`seed_feedback`): the
    // first run is one of those, the next ones are not — of its topic where the catalogue is
    // large enough to repeat it, else any later ones.
    let pick = |same_topic: bool| {
        let related = |a: &(i64, NaiveDate, String), b: &(i64, NaiveDate, String)| {
            b.1 > a.1 && b.0 % 6 != 1 && (!same_topic || topic(&a.2) == topic(&b.2))
        };
        let first = held.iter().find(|t| {
            t.0 % 6 == 1 && answered(t.0) && held.iter().any(|n| related(t, n) && answered(n.0))
        })?;
        let later: Vec<&(i64, NaiveDate, String)> =
            held.iter().filter(|n| related(first, n)).collect();
        let second = later.iter().find(|n| answered(n.0)).copied()?;
        let third = later.iter().find(|n| n.1 > second.1).copied();
        Some((first, second, third))
    };
    let chosen = pick(true).or_else(|| pick(false));
    let (first, second, third) = match chosen {
        Some((a, b, c)) => (Some(a), Some(b), c),
        None => (None, None, None),
    };
    let runs: Vec<i64> = [first, second, third]
        .into_iter()
        .flatten()
        .map(|t| t.0)
        .collect();
    let name = first.map_or("Pelatihan Pelayanan Publik Prima".to_string(), |f| {
        topic(&f.2)
    });
    let mut programme_ids = Vec::new();
    for (code, name, description) in [
        (
            "PRG-01",
            name.as_str(),
            "Diselenggarakan beberapa angkatan setiap tahun.",
        ),
        (
            "PRG-02",
            "Orientasi PPPK",
            "Pembekalan pegawai PPPK yang baru diangkat.",
        ),
    ] {
        diesel::insert_into(programmes::table)
            .values((
                programmes::code.eq(code),
                programmes::name.eq(name),
                programmes::description.eq(description),
                programmes::created_at.eq(at),
                programmes::updated_at.eq(at),
            ))
            .execute(c.conn())?;
        programme_ids.push(
            programmes::table
                .filter(programmes::code.eq(code))
                .select(programmes::id)
                .first::<i64>(c.conn())?,
        );
    }
    diesel::update(trainings::table.filter(trainings::id.eq_any(&runs)))
        .set(trainings::programme_id.eq(programme_ids[0]))
        .execute(c.conn())?;
    let flagged = runs.first().copied().or(held.first().map(|t| t.0));
    if let Some(training) = flagged {
        for (aspect, finding, action, status, next) in [
            (
                "method",
                "Sebagian besar peserta tidak puas dengan metode ceramah satu arah.",
                "Ganti sebagian ceramah dengan studi kasus pelayanan dan simulasi loket.",
                "done",
                runs.get(1).copied(),
            ),
            (
                "facilities",
                "Pendingin ruangan aula tidak berfungsi pada hari kedua.",
                "Periksa fasilitas aula sehari sebelum pelatihan.",
                "open",
                None,
            ),
        ] {
            diesel::insert_into(improvement_actions::table)
                .values((
                    improvement_actions::training_id.eq(training),
                    improvement_actions::aspect.eq(aspect),
                    improvement_actions::finding.eq(finding),
                    improvement_actions::action.eq(action),
                    improvement_actions::owner.eq("Bidang Pengembangan Kompetensi"),
                    improvement_actions::status.eq(status),
                    improvement_actions::next_training_id.eq(next),
                    improvement_actions::created_at.eq(at),
                    improvement_actions::updated_at.eq(at),
                ))
                .execute(c.conn())?;
        }
    }
    let completions: Vec<(i64, Option<NaiveDate>)> = enrolments::table
        .filter(enrolments::training_id.eq_any(&runs[..runs.len().min(2)]))
        .filter(enrolments::status.eq("completed"))
        .order(enrolments::id)
        .select((enrolments::id, enrolments::completed_on))
        .limit(16)
        .load(c.conn())?;
    for (i, (enrolment, done)) in completions.into_iter().enumerate() {
        let Some(done) = done else { continue };
        let items = vec![
            crate::followup::model::PlanItem {
                index: 0,
                description: "Menerapkan alur pengaduan baru di unit layanan.".into(),
                due_on: done + chrono::Duration::days(60),
                status: (i % 2 == 0).then_some(if i % 4 == 0 {
                    crate::followup::model::ItemStatus::Implemented
                } else {
                    crate::followup::model::ItemStatus::Partly
                }),
            },
            crate::followup::model::PlanItem {
                index: 1,
                description: "Berbagi materi pelatihan dengan rekan satu bidang.".into(),
                due_on: done + chrono::Duration::days(90),
                status: (i % 2 == 0).then_some(crate::followup::model::ItemStatus::Implemented),
            },
        ];
        let reviewed = i % 2 == 0;
        let implemented = items
            .iter()
            .filter(|x| x.status == Some(crate::followup::model::ItemStatus::Implemented))
            .count() as i32;
        diesel::insert_into(action_plans::table)
            .values((
                action_plans::enrolment_id.eq(enrolment),
                action_plans::items.eq(crate::types::JsonText::to_text(&items)),
                action_plans::item_count.eq(2),
                action_plans::submitted_at.eq(at),
                action_plans::reviewed_at.eq(reviewed.then_some(at)),
                action_plans::behaviour_change.eq(reviewed.then_some(3 + (i % 3) as i32)),
                action_plans::implemented_count.eq(reviewed.then_some(implemented)),
                action_plans::created_at.eq(at),
                action_plans::updated_at.eq(at),
            ))
            .execute(c.conn())?;
    }
    Ok(())
}

/// Each unit's OPD (top-level ancestor): feedback is attributed to OPDs only.
/// A training that takes nominations, as the BKPSDM runs its leadership courses: quotas for
/// two OPDs, their managers' nominations (through the service's own writers), three approved
/// into its three seats, one on the waiting list and one still to be decided.
fn seed_nomination(c: &mut Tx) -> Result<(), ApiError> {
    use crate::db::resource::Resource;
    use crate::db::schema::employees;
    use crate::db::schema::trainings;
    use crate::enrolments::model::EnrolmentStatus;
    use crate::nomination::model::{NominationDecision, NominationDecisionInput, QuotaInput};
    use crate::trainings::model::{Form, Mode, TrainingInput, TrainingStatus};
    let seeded: bool = diesel::select(diesel::dsl::exists(
        trainings::table.filter(trainings::nomination_required.eq(true)),
    ))
    .get_result(c.conn())?;
    if seeded {
        return Ok(());
    }
    let top = opds(c)?;
    let people: Vec<(i64, i64)> = employees::table
        .filter(employees::active.eq(true))
        .order(employees::id)
        .select((employees::id, employees::unit_id))
        .load(c.conn())?;
    let mut by_opd: Vec<(i64, Vec<i64>)> = Vec::new();
    for (employee, unit) in people {
        let opd = top.get(&unit).copied().unwrap_or(unit);
        match by_opd.iter_mut().find(|(o, _)| *o == opd) {
            Some((_, list)) => list.push(employee),
            None => by_opd.push((opd, vec![employee])),
        }
    }
    let mut chosen: Vec<(i64, Vec<i64>)> = by_opd
        .into_iter()
        .filter(|(_, l)| l.len() >= 3)
        .take(2)
        .collect();
    if chosen.len() < 2 {
        return Ok(());
    }
    let start = crate::types::today() + chrono::Days::new(60);
    let input = TrainingInput {
        title: "Pelatihan Kepemimpinan Pengawas (PKP) Angkatan I".into(),
        description: Some("Peserta diusulkan kepala perangkat daerah sesuai kuota unit.".into()),
        form: Form::Pelatihan,
        mode: Mode::InPerson,
        jp: 30,
        start_date: start,
        end_date: start + chrono::Days::new(2),
        location: Some("Aula BKPSDM".into()),
        online_url: None,
        capacity: Some(3),
        enrolment_deadline: Some(start - chrono::Days::new(14)),
        cost: Some(45_000_000),
        organizer_unit_id: None,
        partner_ids: Vec::new(),
        trainer_ids: Vec::new(),
        competencies: Vec::new(),
        siasn_course_type_id: None,
        leadership_programme: Some(crate::trainings::model::LeadershipProgramme::Pkp),
        programme_id: None,
        nomination_required: true,
        policy_ids: Vec::new(),
    };
    let id = crate::trainings::queries::create(c, &input)?;
    for status in [TrainingStatus::Planned, TrainingStatus::Open] {
        let current = crate::trainings::queries::Trainings::load(c, id)?;
        crate::trainings::queries::set_status(c, &current, status)?;
    }
    let training = crate::trainings::queries::Trainings::load(c, id)?;
    let quotas: Vec<QuotaInput> = chosen
        .iter()
        .zip([3, 2])
        .map(|((opd, _), seats)| QuotaInput {
            unit_id: crate::types::UnitId(*opd),
            seats,
        })
        .collect();
    crate::nomination::queries::replace_quotas(c, &training, &quotas)?;
    let (second, first) = (
        chosen.pop().unwrap_or_default().1,
        chosen.pop().unwrap_or_default().1,
    );
    let nominees: Vec<i64> = first
        .iter()
        .take(3)
        .chain(second.iter().take(2))
        .copied()
        .collect();
    for (k, employee) in nominees.into_iter().enumerate() {
        let e = crate::enrolments::queries::create(
            c,
            id,
            crate::types::EmployeeId(employee),
            EnrolmentStatus::Nominated,
        )?;
        if k < 4 {
            let current = crate::enrolments::queries::Enrolments::load(c, e)?.enrolment;
            let training = crate::trainings::queries::Trainings::load(c, id)?;
            let decision = NominationDecisionInput {
                decision: NominationDecision::Approve,
                note: Some("Sesuai kebutuhan pengembangan kompetensi".into()),
            };
            crate::nomination::queries::decide(c, &current, &training, &decision)?;
        }
    }
    Ok(())
}

/// Sessions on classical trainings, through the service's writers: two per training (the
/// first day's morning with the first speaker, the last day's with all), splitting its JP —
/// on up to 40 trainings still to come, and on 15 completed ones with attendance taken (who
/// completed or failed was at both, a no-show at neither), so their attendance is derived.
/// The request examples' training 1 keeps hand-kept attendance; a training with sessions is
/// left as it is.
fn seed_sessions(c: &mut Tx) -> Result<(), ApiError> {
    use crate::db::resource::Resource;
    use crate::db::schema::{enrolments, training_sessions, trainings};
    use crate::enrolments::model::EnrolmentStatus;
    use crate::sessions::model::{Presence, SessionInput};
    use crate::trainings::model::{Form, TrainingStatus};
    let classical: Vec<&str> = Form::ALL
        .iter()
        .filter(|f| f.classical())
        .map(|f| f.as_str())
        .collect();
    let pick = |c: &mut Tx, statuses: &[TrainingStatus], n: i64| -> QueryResult<Vec<i64>> {
        trainings::table
            .filter(trainings::form.eq_any(classical.clone()))
            .filter(trainings::status.eq_any(statuses.to_vec()))
            .filter(trainings::id.ne(1))
            .filter(trainings::jp.ge(2))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                training_sessions::table.filter(training_sessions::training_id.eq(trainings::id)),
            )))
            .order(trainings::id)
            .select(trainings::id)
            .limit(n)
            .load(c.conn())
    };
    let coming = pick(c, &[TrainingStatus::Planned, TrainingStatus::Open], 40)?;
    let held = pick(c, &[TrainingStatus::Completed], 15)?;
    for id in coming.into_iter().chain(held.iter().copied()) {
        let training = crate::trainings::queries::Trainings::load(c, crate::types::TrainingId(id))?;
        let at = |day: chrono::NaiveDate, hour: u32| {
            crate::types::UtcTime(day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc())
        };
        let first_jp = (training.jp / 2).min(100);
        let mut ids = Vec::new();
        for (title, day, hours, jp, speakers) in [
            (
                "Pembukaan dan materi inti",
                training.start_date,
                (1, 4),
                first_jp,
                training
                    .trainer_ids
                    .iter()
                    .take(1)
                    .copied()
                    .collect::<Vec<_>>(),
            ),
            (
                "Praktik dan evaluasi",
                training.end_date,
                (5, 8),
                (training.jp - first_jp).min(100),
                training.trainer_ids.clone(),
            ),
        ] {
            let session = SessionInput {
                title: title.into(),
                starts_at: at(day, hours.0),
                ends_at: at(day, hours.1),
                jp,
                location: training.location.clone(),
                trainer_ids: speakers,
            };
            ids.push(crate::sessions::queries::create(c, &training, &session)?);
        }
        if training.status != TrainingStatus::Completed {
            continue;
        }
        let people: Vec<(crate::types::EnrolmentId, EnrolmentStatus)> = enrolments::table
            .filter(enrolments::training_id.eq(id))
            .filter(enrolments::status.eq_any(EnrolmentStatus::SEATED))
            .select((enrolments::id, enrolments::status))
            .load(c.conn())?;
        let presence: Vec<Presence> = people
            .iter()
            .map(|(e, st)| Presence {
                enrolment_id: *e,
                present: *st != EnrolmentStatus::NoShow,
            })
            .collect();
        for session in ids {
            let current = crate::sessions::queries::Sessions::load(c, session)?;
            crate::sessions::queries::put_attendance(c, &training, &current, &presence)?;
        }
    }
    Ok(())
}

/// Two policies — the ASN law of 2023 and a regional regulation on public service — with this
/// year's runs of the matching catalogue topics linked as their refreshers, so the coverage is
/// partial. Only into an empty register.
fn seed_policies(c: &mut Tx) -> Result<(), ApiError> {
    use crate::db::resource::Resource;
    use crate::db::schema::{competencies, policies, trainings};
    use crate::policies::model::PolicyInput;
    let any: bool = diesel::select(diesel::dsl::exists(policies::table.select(policies::id)))
        .get_result(c.conn())?;
    if any {
        return Ok(());
    }
    let year = crate::types::today().year();
    let (first, last) = crate::types::year_days(year).unwrap_or_default();
    for (title, reference, issued, code, topic, summary) in [
        (
            "Undang-Undang tentang Aparatur Sipil Negara",
            "UU 20/2023",
            chrono::NaiveDate::from_ymd_opt(2023, 10, 31),
            "T.01",
            "Sosialisasi Regulasi Manajemen ASN Terbaru",
            "Manajemen ASN berbasis merit; pengembangan kompetensi paling sedikit 20 JP setahun.",
        ),
        (
            "Peraturan Wali Kota tentang Standar Pelayanan Publik",
            "Perwako Pangkalpinang 12/2026",
            first.checked_add_days(chrono::Days::new(31)),
            "M.05",
            "Seminar Pelayanan Publik Prima",
            "Standar pelayanan, maklumat layanan dan pengelolaan pengaduan di setiap perangkat daerah.",
        ),
    ] {
        let competency: Option<i64> = competencies::table
            .filter(competencies::code.eq(code))
            .select(competencies::id)
            .first(c.conn())
            .optional()?;
        let issued_on = issued.unwrap_or(first);
        let id = crate::policies::queries::create(
            c,
            &PolicyInput {
                title: title.into(),
                reference: reference.into(),
                issued_on,
                effective_on: Some(issued_on),
                summary: Some(summary.into()),
                refresher_due_days: 180,
                competency_ids: competency.map(crate::types::CompetencyId).into_iter().collect(),
                position_ids: Vec::new(),
            },
        )?;
        let runs: Vec<i64> = trainings::table
            .filter(trainings::title.like(format!("{topic}%")))
            .filter(trainings::start_date.between(first.max(issued_on), last))
            .select(trainings::id)
            .load(c.conn())?;
        for run in runs {
            let training = crate::trainings::queries::Trainings::load(c, crate::types::TrainingId(run))?;
            let links = crate::trainings::model::Links {
                partner_ids: training.partner_ids,
                trainer_ids: training.trainer_ids,
                competencies: training.competencies,
                policy_ids: vec![id],
            };
            crate::trainings::queries::replace_links(c, training.id, &links)?;
        }
    }
    Ok(())
}

/// The trainer pool: the trainers' qualifications for the competencies they teach (ToT for
/// most, widyaiswara for every third, one ToT that has expired) and their monthly JP. The
/// internal candidates are the employees assessed at level 4 or 5 who are not trainers.
/// Only while no trainer has a qualification.
fn seed_trainer_pool(c: &mut Tx) -> Result<(), ApiError> {
    use crate::db::schema::{trainer_qualifications, trainers};
    use crate::trainers::model::{Qualification, QualificationKind};
    let any: bool = diesel::select(diesel::dsl::exists(
        trainer_qualifications::table.select(trainer_qualifications::trainer_id),
    ))
    .get_result(c.conn())?;
    if any {
        return Ok(());
    }
    let list: Vec<(i64, String)> = trainers::table
        .order(trainers::id)
        .select((trainers::id, trainers::competency_ids))
        .load(c.conn())?;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    for (k, (id, competencies)) in list.into_iter().enumerate() {
        let competencies: Vec<crate::types::CompetencyId> =
            serde_json::from_str(&competencies).unwrap_or_default();
        let (kind, expires_on) = match k {
            0 => (QualificationKind::Tot, Some(date(2025, 6, 30))),
            k if k % 3 == 2 => (QualificationKind::Widyaiswara, None),
            _ => (QualificationKind::Tot, Some(date(2028, 12, 31))),
        };
        let qualifications: Vec<Qualification> = competencies
            .iter()
            .map(|&competency| Qualification {
                kind,
                competency_id: Some(competency),
                level: Some(3 + (k % 2) as i32),
                issued_on: date(2022, 3, 1),
                expires_on,
            })
            .collect();
        let trainer = crate::types::TrainerId(id);
        crate::trainers::queries::write_qualifications(c, trainer, &qualifications)?;
        diesel::update(trainers::table.find(trainer))
            .set(trainers::max_jp_per_month.eq(Some(16 + 8 * (k % 4) as i32)))
            .execute(c.conn())?;
    }
    Ok(())
}

/// A year's approved plan: an item for each of the first five catalogue topics, realised by
/// that year's runs of it (planning one run more than held for every other topic), with seats
/// for the first three OPDs. Only when the year has no plan yet.
fn seed_plan(c: &mut Tx, year: i32) -> Result<(), ApiError> {
    use crate::db::resource::Resource;
    use crate::db::schema::{competencies, plans, trainings};
    use crate::plans::model::{AnnualPlanItemInput, PlanInput, PlanStatus, UnitSeats};
    let exists: bool = diesel::select(diesel::dsl::exists(
        plans::table.filter(plans::year.eq(year)),
    ))
    .get_result(c.conn())?;
    if exists {
        return Ok(());
    }
    let plan = crate::plans::queries::create(
        c,
        &PlanInput {
            year,
            title: format!("Rencana Pengembangan Kompetensi ASN Kota Pangkalpinang {year}"),
            status: PlanStatus::Draft,
        },
    )?;
    let plan = crate::plans::queries::Plans::load(c, plan)?;
    let mut opd_ids: Vec<i64> = units::table
        .filter(units::parent_id.is_null())
        .order(units::id)
        .select(units::id)
        .limit(3)
        .load(c.conn())?;
    opd_ids.sort_unstable();
    let (first, last) = crate::types::year_days(year).unwrap_or_default();
    for (k, (topic, code)) in TRAINING_TOPICS.iter().take(5).enumerate() {
        let runs: Vec<(i64, Option<i64>)> = trainings::table
            .filter(trainings::title.like(format!("{topic}%")))
            .filter(trainings::start_date.between(first, last))
            .order(trainings::start_date)
            .select((trainings::id, trainings::cost))
            .load(c.conn())?;
        let competency: Option<i64> = competencies::table
            .filter(competencies::code.eq(code))
            .select(competencies::id)
            .first(c.conn())
            .optional()?;
        let planned = runs.len() as i32 + (k % 2) as i32;
        let unit_cost = 600_000 + 100_000 * k as i64;
        let item = AnnualPlanItemInput {
            title: (*topic).to_string(),
            form: None,
            competency_ids: competency
                .map(crate::types::CompetencyId)
                .into_iter()
                .collect(),
            runs: planned,
            seats: 30 * planned,
            seats_by_unit: opd_ids
                .iter()
                .map(|&u| UnitSeats {
                    unit_id: crate::types::UnitId(u),
                    seats: 5.min(30 * planned / 3),
                })
                .collect(),
            unit_cost: Some(unit_cost),
            budget: None,
            partner_ids: Vec::new(),
            training_ids: runs
                .iter()
                .map(|(t, _)| crate::types::TrainingId(*t))
                .collect(),
        };
        crate::plans::queries::create_item(c, &plan, &item)?;
    }
    diesel::update(plans::table.find(plan.id))
        .set(plans::status.eq(PlanStatus::Approved))
        .execute(c.conn())?;
    Ok(())
}

fn opds(conn: &mut AnyConnection) -> QueryResult<HashMap<i64, i64>> {
    let parents: HashMap<i64, Option<i64>> = units::table
        .select((units::id, units::parent_id))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .collect();
    Ok(parents
        .keys()
        .map(|&id| {
            let mut top = id;
            for _ in 0..parents.len() {
                match parents.get(&top).copied().flatten() {
                    Some(p) => top = p,
                    None => break,
                }
            }
            (id, top)
        })
        .collect())
}

fn seed_feedback(conn: &mut AnyConnection, report: &mut SeedReport) -> Result<(), String> {
    use crate::db::schema::{
        employees, enrolments, feedback, feedback_receipts, feedback_trainer_ratings,
        training_trainers, trainings,
    };
    let candidates: Vec<(i64, i64, i64, NaiveDate)> = enrolments::table
        .inner_join(trainings::table)
        .inner_join(employees::table)
        .filter(enrolments::status.eq_any(["attended", "completed"]))
        .filter(trainings::status.eq_any(["ongoing", "completed"]))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            feedback_receipts::table.filter(feedback_receipts::enrolment_id.eq(enrolments::id)),
        )))
        .select((
            enrolments::id,
            enrolments::training_id,
            employees::unit_id,
            trainings::end_date,
        ))
        .load(conn)
        .map_err(err)?;
    let opd = opds(conn).map_err(err)?;
    let mut speakers: HashMap<i64, Vec<i64>> = HashMap::new();
    for (training, trainer) in training_trainers::table
        .select((
            training_trainers::training_id,
            training_trainers::trainer_id,
        ))
        .order(training_trainers::trainer_id)
        .load::<(i64, i64)>(conn)
        .map_err(err)?
    {
        speakers.entry(training).or_default().push(trainer);
    }
    for chunk in candidates.chunks(2000) {
        load(conn, Entity::Feedback, |c| {
            let mut receipts = Vec::new();
            let mut rows = Vec::new();
            let mut ratings = Vec::new();
            for &(enrolment, training, unit, end) in chunk {
                if enrolment % 7 == 0 {
                    continue; // some never answer
                }
                let mut rng = StdRng::seed_from_u64(0xFEED_0000 + enrolment as u64);
                let criticised = training % 6 == 1;
                let mut good = || rng.random_range(3..=5);
                let (material, trainer, facilities, relevance, organisation) =
                    (good(), good(), good(), good(), good());
                let method = if criticised {
                    [1, 1, 2, 2, 2, 3][rng.random_range(0..6)]
                } else {
                    rng.random_range(3..=5)
                };
                let overall = if criticised {
                    rng.random_range(2..=3)
                } else {
                    rng.random_range(3..=5)
                };
                let recommend = if criticised {
                    rng.random_range(2..=7)
                } else {
                    rng.random_range(6..=10)
                };
                let comment = if rng.random_range(0..3) == 0 {
                    let pool = if criticised {
                        COMMENTS_METHOD
                    } else {
                        COMMENTS_GOOD
                    };
                    Some(pool[rng.random_range(0..pool.len())])
                } else {
                    None
                };
                let unit = opd.get(&unit).copied().unwrap_or(unit);
                // The first speaker of a criticised training is the one whose method failed.
                for (i, trainer) in speakers.get(&training).into_iter().flatten().enumerate() {
                    let rating = if criticised && i == 0 {
                        [1, 2, 2, 3][rng.random_range(0..4)]
                    } else {
                        rng.random_range(3..=5)
                    };
                    ratings.push((
                        feedback_trainer_ratings::id.eq(rng.random_range(1..(1_i64 << 53))),
                        feedback_trainer_ratings::training_id.eq(training),
                        feedback_trainer_ratings::trainer_id.eq(*trainer),
                        feedback_trainer_ratings::unit_id.eq(Some(unit)),
                        feedback_trainer_ratings::rating.eq(rating),
                    ));
                }
                receipts.push((
                    feedback_receipts::enrolment_id.eq(enrolment),
                    feedback_receipts::unit_id.eq(Some(unit)),
                ));
                rows.push((
                    feedback::id.eq(rng.random_range(1..(1_i64 << 53))),
                    feedback::training_id.eq(training),
                    feedback::unit_id.eq(Some(unit)),
                    feedback::material.eq(Some(material)),
                    feedback::method.eq(Some(method)),
                    feedback::trainer.eq(Some(trainer)),
                    feedback::facilities.eq(Some(facilities)),
                    feedback::relevance.eq(Some(relevance)),
                    feedback::organisation.eq(Some(organisation)),
                    feedback::overall.eq(overall),
                    feedback::recommend.eq(recommend),
                    feedback::comment.eq(comment),
                    feedback::submitted_on.eq(end + chrono::Duration::days(rng.random_range(0..5))),
                ));
            }
            // Receipts and responses go in separately and in different orders: nothing in the
            // stored data pairs them up.
            rand::seq::SliceRandom::shuffle(receipts.as_mut_slice(), &mut rand::rng());
            rand::seq::SliceRandom::shuffle(rows.as_mut_slice(), &mut rand::rng());
            rand::seq::SliceRandom::shuffle(ratings.as_mut_slice(), &mut rand::rng());
            report.feedback += rows.len();
            crate::insert_rows!(c.conn(), feedback_trainer_ratings::table, ratings)?;
            crate::insert_rows!(c.conn(), feedback::table, rows)?;
            crate::insert_rows!(c.conn(), feedback_receipts::table, receipts)?;
            Ok(())
        })?;
    }
    crate::db::analyze(conn, "feedback").map_err(err)?;
    Ok(())
}
