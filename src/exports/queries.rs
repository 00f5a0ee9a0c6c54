use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::model::{
    CourseRecord, ExportFilter, ExportRecord, RecordKey, RecordSource, SyncItem, SyncedRecord,
};
use crate::db::schema::{
    employees, enrolments, external_learning, partners, siasn_syncs, training_partners, trainings,
};
use crate::db::write::Tx;
use crate::db::{AnyConnection, Backend};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::settings::model::{CourseTypeByForm, Settings};
use crate::trainings::model::{Form, LeadershipProgramme};
use crate::types::{ExternalLearningId, UtcTime};

/// The course records an export selects: completed enrolments of trainings ending in the
/// period, of people in `units` (everyone's when `None`), of leadership programmes or of the
/// other trainings (`structural`); and the settings the records are written with.
#[derive(Clone, Debug)]
pub struct Selection {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub units: Option<Vec<i64>>,
    pub structural: bool,
    /// Only records never sent to SIASN or changed since.
    pub unsynced: bool,
    pub institution_name: String,
    pub instansi_id: Option<String>,
    pub certificate_type: Option<String>,
    pub course_type_by_form: CourseTypeByForm,
}

impl Selection {
    pub fn new<R: ExportRecord>(
        filter: &ExportFilter,
        units: Option<Vec<i64>>,
        settings: Settings,
    ) -> Self {
        Selection {
            from: filter.from,
            to: filter.to,
            units,
            structural: R::STRUCTURAL,
            unsynced: filter.unsynced == Some(true),
            institution_name: settings.institution_name,
            instansi_id: settings.siasn_instansi_id,
            certificate_type: settings.siasn_certificate_type,
            course_type_by_form: settings.siasn_course_type_by_form.0,
        }
    }
}

/// The selected enrolments, as one table so it can be counted and paged by id.
fn selected(s: &Selection) -> enrolments::BoxedQuery<'static, Backend> {
    let mut q = enrolments::table
        .filter(enrolments::status.eq("completed"))
        .into_boxed();
    q = match s.structural {
        true => q.filter(
            enrolments::training_id.eq_any(
                trainings::table
                    .filter(trainings::leadership_programme.is_not_null())
                    .select(trainings::id),
            ),
        ),
        false => q.filter(
            enrolments::training_id.eq_any(
                trainings::table
                    .filter(trainings::leadership_programme.is_null())
                    .select(trainings::id),
            ),
        ),
    };
    // A record is dated by the participant's completion day.
    if let Some(from) = s.from {
        q = q.filter(enrolments::completed_on.ge(from));
    }
    if let Some(to) = s.to {
        q = q.filter(enrolments::completed_on.le(to));
    }
    if s.unsynced {
        q = q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(UNSYNCED));
    }
    if let Some(ids) = &s.units {
        q = q.filter(
            enrolments::employee_id.eq_any(
                employees::table
                    .filter(employees::unit_id.eq_any(ids.clone()))
                    .select(employees::id),
            ),
        );
    }
    q
}

/// A completion SIASN has not got as it is now: never marked as sent, or its enrolment, its
/// training or its employee changed after it was.
const UNSYNCED: &str = "NOT EXISTS (SELECT 1 FROM siasn_syncs y \
     JOIN trainings st ON st.id = enrolments.training_id \
     JOIN employees se ON se.id = enrolments.employee_id \
     WHERE y.enrolment_id = enrolments.id AND y.synced_at >= enrolments.updated_at \
     AND y.synced_at >= st.updated_at AND y.synced_at >= se.updated_at)";

/// Verified external learning SIASN has not got as it is now: never marked as sent, or it or
/// its employee changed after it was.
const EXTERNAL_UNSYNCED: &str = "NOT EXISTS (SELECT 1 FROM siasn_syncs y \
     JOIN employees se ON se.id = external_learning.employee_id \
     WHERE y.record_key = 'E' || CAST(external_learning.id AS TEXT) \
     AND y.synced_at >= external_learning.updated_at AND y.synced_at >= se.updated_at)";

/// The selected external learning (course records only: leadership programmes are the city's
/// trainings): verified, ending in the period, of people in the units.
fn external_selected(s: &Selection) -> external_learning::BoxedQuery<'static, Backend> {
    let mut q = external_learning::table
        .filter(external_learning::status.eq("verified"))
        .into_boxed();
    if s.structural {
        q = q.filter(external_learning::id.eq(ExternalLearningId(0)));
    }
    if let Some(from) = s.from {
        q = q.filter(external_learning::end_date.ge(from));
    }
    if let Some(to) = s.to {
        q = q.filter(external_learning::end_date.le(to));
    }
    if s.unsynced {
        q = q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            EXTERNAL_UNSYNCED,
        ));
    }
    if let Some(ids) = &s.units {
        q = q.filter(
            external_learning::employee_id.eq_any(
                employees::table
                    .filter(employees::unit_id.eq_any(ids.clone()))
                    .select(employees::id),
            ),
        );
    }
    q
}

pub fn count(conn: &mut AnyConnection, s: &Selection) -> QueryResult<i64> {
    let trainings: i64 = selected(s).count().get_result(conn)?;
    let external: i64 = external_selected(s).count().get_result(conn)?;
    Ok(trainings + external)
}

/// The records of one page, in record-key order: the trainings' (`T…`), then external
/// learning's (`E…`).
pub fn page<R: ExportRecord>(
    conn: &mut AnyConnection,
    s: &Selection,
    (offset, limit): (i64, i64),
) -> QueryResult<Vec<R>> {
    let ids: Vec<i64> = selected(s)
        .order(enrolments::id.asc())
        .select(enrolments::id)
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let mut out = records(conn, s, &ids)?;
    let rest = limit - ids.len() as i64;
    if rest > 0 {
        let before: i64 = selected(s).count().get_result(conn)?;
        let external: Vec<i64> = external_selected(s)
            .order(external_learning::id.asc())
            .select(external_learning::id)
            .offset((offset - before).max(0))
            .limit(rest)
            .load(conn)?;
        out.extend(external_records(conn, s, &external)?);
    }
    Ok(out)
}

/// Where a streamed export stands: past this enrolment, or, the trainings' records done, past
/// this external learning.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    Enrolments(i64),
    External(i64),
}

/// The next `limit` records after `cursor`, and the cursor past them (`None` when this was the
/// last chunk), for a streamed export.
pub fn chunk<R: ExportRecord>(
    conn: &mut AnyConnection,
    s: &Selection,
    cursor: Cursor,
    limit: i64,
) -> QueryResult<(Vec<R>, Option<Cursor>)> {
    match cursor {
        Cursor::Enrolments(after) => {
            let ids: Vec<i64> = selected(s)
                .filter(enrolments::id.gt(after))
                .order(enrolments::id.asc())
                .select(enrolments::id)
                .limit(limit)
                .load(conn)?;
            let next = match ids.last() {
                Some(&last) if ids.len() as i64 == limit => Some(Cursor::Enrolments(last)),
                _ => (!s.structural).then_some(Cursor::External(0)),
            };
            Ok((records(conn, s, &ids)?, next))
        }
        Cursor::External(after) => {
            let ids: Vec<i64> = external_selected(s)
                .filter(external_learning::id.gt(ExternalLearningId(after)))
                .order(external_learning::id.asc())
                .select(external_learning::id)
                .limit(limit)
                .load(conn)?;
            let next = (ids.len() as i64 == limit).then(|| Cursor::External(ids[ids.len() - 1]));
            Ok((external_records(conn, s, &ids)?, next))
        }
    }
}

/// (id, nip, siasn id, title, provider, form, start, end, JP, certificate)
type ExternalRowOut = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Form,
    NaiveDate,
    NaiveDate,
    i32,
    Option<String>,
);

/// The records of these external learnings (a chunk's worth), in id order.
fn external_records<R: ExportRecord>(
    conn: &mut AnyConnection,
    s: &Selection,
    ids: &[i64],
) -> QueryResult<Vec<R>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<ExternalRowOut> = external_learning::table
        .inner_join(employees::table)
        .filter(external_learning::id.eq_any(ids))
        .order(external_learning::id.asc())
        .select((
            external_learning::id,
            employees::nip,
            employees::siasn_id,
            external_learning::title,
            external_learning::provider,
            external_learning::form,
            external_learning::start_date,
            external_learning::end_date,
            external_learning::jp,
            external_learning::certificate_number,
        ))
        .load(conn)?;
    let synced = synced_at(conn, ids.iter().map(|id| format!("E{id}")))?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(id, nip, siasn_id, title, provider, form, start, end, jp, certificate)| {
                let course = s.record(
                    Course {
                        key: format!("E{id}"),
                        source: RecordSource::External,
                        nip,
                        siasn_id,
                        title,
                        organiser: provider,
                        jenis_diklat_id: s.course_type_by_form.of(form),
                        jp,
                        start,
                        end,
                        certificate,
                    },
                    &synced,
                );
                R::of(course, None)
            },
        )
        .collect())
}

/// What a course record says of one completion, before the settings' fields and the format.
struct Course {
    key: String,
    source: RecordSource,
    nip: String,
    siasn_id: Option<String>,
    title: String,
    organiser: String,
    jenis_diklat_id: i32,
    jp: i32,
    start: NaiveDate,
    end: NaiveDate,
    certificate: Option<String>,
}

impl Selection {
    /// The SIASN course record of `c`: dd-mm-yyyy dates, the settings' codes, its sync mark.
    fn record(&self, c: Course, synced: &HashMap<String, UtcTime>) -> CourseRecord {
        CourseRecord {
            synced_at: synced.get(&c.key).copied(),
            record_key: c.key,
            source: c.source,
            nip: c.nip,
            siasn_id: c.siasn_id,
            nama_kursus: c.title,
            institusi_penyelenggara: c.organiser,
            jenis_diklat_id: c.jenis_diklat_id,
            jenis_kursus_sertipikat: self.certificate_type.clone(),
            instansi_id: self.instansi_id.clone(),
            jumlah_jam: c.jp,
            tahun_kursus: c.end.year(),
            tanggal_kursus: c.start.format("%d-%m-%Y").to_string(),
            tanggal_selesai_kursus: c.end.format("%d-%m-%Y").to_string(),
            nomor_sertipikat: c.certificate,
        }
    }
}

/// When each of these records was last marked as sent, by record key.
fn synced_at(
    conn: &mut AnyConnection,
    keys: impl Iterator<Item = String>,
) -> QueryResult<HashMap<String, UtcTime>> {
    let keys: Vec<String> = keys.collect();
    Ok(siasn_syncs::table
        .filter(siasn_syncs::record_key.eq_any(&keys))
        .select((siasn_syncs::record_key, siasn_syncs::synced_at))
        .load::<(String, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(key, at)| (key, UtcTime(at.and_utc())))
        .collect())
}

/// (enrolment, nip, siasn id, training, title, form, start, completion day, jenis diklat,
/// programme, JP, certificate)
type CompletionRow = (
    i64,
    String,
    Option<String>,
    i64,
    String,
    Form,
    NaiveDate,
    Option<NaiveDate>,
    Option<i32>,
    Option<LeadershipProgramme>,
    Option<i32>,
    Option<String>,
);

/// The records of these enrolments (at most a chunk's worth), in id order.
fn records<R: ExportRecord>(
    conn: &mut AnyConnection,
    s: &Selection,
    ids: &[i64],
) -> QueryResult<Vec<R>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<CompletionRow> = enrolments::table
        .inner_join(trainings::table)
        .inner_join(employees::table)
        .filter(enrolments::id.eq_any(ids))
        .order(enrolments::id.asc())
        .select((
            enrolments::id,
            employees::nip,
            employees::siasn_id,
            trainings::id,
            trainings::title,
            trainings::form,
            trainings::start_date,
            enrolments::completed_on,
            trainings::siasn_course_type_id,
            trainings::leadership_programme,
            enrolments::jp_credited,
            enrolments::certificate_number,
        ))
        .load(conn)?;
    let mut trainings: Vec<i64> = rows.iter().map(|r| r.3).collect();
    trainings.sort_unstable();
    trainings.dedup();
    let partners = partner_names(conn, &trainings)?;
    let synced = synced_at(conn, ids.iter().map(|id| format!("T{id}")))?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(
                enrolment,
                nip,
                siasn_id,
                training,
                title,
                form,
                start,
                done,
                jenis,
                programme,
                jp,
                certificate,
            )| {
                // Every completion has its day (`rules::completion_day`).
                let course = s.record(
                    Course {
                        key: format!("T{enrolment}"),
                        source: RecordSource::Training,
                        nip,
                        siasn_id,
                        title,
                        organiser: organiser(partners.get(&training), &s.institution_name),
                        jenis_diklat_id: jenis.unwrap_or_else(|| s.course_type_by_form.of(form)),
                        jp: jp.unwrap_or(0),
                        start,
                        end: done?,
                        certificate,
                    },
                    &synced,
                );
                R::of(course, programme)
            },
        )
        .collect())
}

/// Who ran a training, as its certificate and SIASN name it: its partners' names, else the
/// setting `institution_name` (the city ran it alone).
pub fn organiser(partner_names: Option<&Vec<String>>, institution_name: &str) -> String {
    match partner_names {
        Some(names) => names.join(", "),
        None => institution_name.to_string(),
    }
}

/// Partner names per training, for the trainings given (a chunk's worth).
pub fn partner_names(
    conn: &mut AnyConnection,
    training_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    let rows: Vec<(i64, String)> = training_partners::table
        .inner_join(partners::table)
        .filter(training_partners::training_id.eq_any(training_ids))
        .order((training_partners::training_id, partners::name))
        .select((training_partners::training_id, partners::name))
        .load(conn)?;
    for (t, name) in rows {
        out.entry(t).or_default().push(name);
    }
    Ok(out)
}

/// Marks these records as sent to SIASN now, with SIASN's ids (a record sent again replaces its
/// mark). Every key must be a record of an export: a completed enrolment or verified external
/// learning (422 `items[i]` else). The enrolments are locked first, in id order, so concurrent
/// marks of one record queue.
pub fn sync(tx: &mut Tx, items: &[SyncItem]) -> ApiResult<Vec<SyncedRecord>> {
    let keys: Vec<Option<RecordKey>> = items
        .iter()
        .map(|i| RecordKey::parse(&i.record_key))
        .collect();
    let of = |want: fn(RecordKey) -> Option<i64>| -> Vec<i64> {
        keys.iter().flatten().filter_map(|k| want(*k)).collect()
    };
    let (trainings, externals) = (
        of(|k| match k {
            RecordKey::Training(id) => Some(id),
            _ => None,
        }),
        of(|k| match k {
            RecordKey::External(id) => Some(id),
            _ => None,
        }),
    );
    tx.lock(crate::audit::Entity::Enrolment, &trainings)?;
    tx.lock(crate::audit::Entity::ExternalLearning, &externals)?;
    let completed: std::collections::HashSet<i64> = enrolments::table
        .filter(enrolments::id.eq_any(&trainings))
        .filter(enrolments::status.eq("completed"))
        .select(enrolments::id)
        .load::<i64>(tx.conn())?
        .into_iter()
        .collect();
    let verified: std::collections::HashSet<i64> = external_learning::table
        .filter(external_learning::id.eq_any(&externals))
        .filter(external_learning::status.eq("verified"))
        .select(external_learning::id)
        .load::<i64>(tx.conn())?
        .into_iter()
        .collect();
    let mut errors = FieldErrors::new();
    for (i, (item, key)) in items.iter().zip(&keys).enumerate() {
        let known = match key {
            Some(RecordKey::Training(id)) => completed.contains(id),
            Some(RecordKey::External(id)) => verified.contains(id),
            None => false,
        };
        if !known {
            errors.insert(
                format!("items[{i}].record_key"),
                vec![format!("no course record {}", item.record_key)],
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let at = crate::db::now();
    let names: Vec<&str> = items.iter().map(|i| i.record_key.as_str()).collect();
    diesel::delete(siasn_syncs::table.filter(siasn_syncs::record_key.eq_any(&names)))
        .execute(tx.conn())?;
    // The last mark of a key given twice in one request wins.
    let mut seen = std::collections::HashSet::new();
    for (item, key) in items.iter().zip(&keys).rev() {
        if !seen.insert(item.record_key.as_str()) {
            continue;
        }
        let (enrolment, entity, id) = match key {
            Some(RecordKey::Training(id)) => (Some(*id), crate::audit::Entity::CourseRecord, *id),
            Some(RecordKey::External(id)) => (None, crate::audit::Entity::ExternalLearning, *id),
            None => continue,
        };
        diesel::insert_into(siasn_syncs::table)
            .values((
                siasn_syncs::record_key.eq(&item.record_key),
                siasn_syncs::enrolment_id.eq(enrolment),
                siasn_syncs::siasn_riwayat_id.eq(&item.siasn_riwayat_id),
                siasn_syncs::synced_at.eq(at),
            ))
            .execute(tx.conn())?;
        tx.record(crate::audit::Action::Update, entity, Some(id))?;
    }
    Ok(items
        .iter()
        .map(|item| {
            let mark = items
                .iter()
                .rev()
                .find(|i| i.record_key == item.record_key)
                .unwrap_or(item);
            SyncedRecord {
                record_key: item.record_key.clone(),
                siasn_riwayat_id: mark.siasn_riwayat_id.clone(),
                synced_at: UtcTime(at.and_utc()),
            }
        })
        .collect())
}
