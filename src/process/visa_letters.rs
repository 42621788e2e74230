//! Visa letters (LETTER-8…11): generation opens the applicant's sealed passport
//! data, draws the letter as a one-page PDF, keeps it sealed under the
//! applicant's key beside the log (erasing the applicant makes it unreadable),
//! then records `VisaLetterGenerated` with its hash and size.
//!
//! | Step | Reads | Writes |
//! |---|---|---|
//! | check | the letter (LETTER-8: approved) | |
//! | content | the conference (name, dates, venue), the `visa_letters` row, opened | |
//! | file | | `personal_files` "letter-<id>.pdf", first writer wins |
//! | fact | | `VisaLetterGenerated` |
//!
//! Bulk generation runs the same steps for every approved request of the
//! conference and counts what it generated and what was refused.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use tessera_aggregates::conference::Conference;
use tessera_aggregates::visa_letter::{
    LetterCommand, LetterError, LetterFile, LetterStatus, VisaLetter, file_name,
};
use tessera_projections::EventMeta;
use tessera_projections::visa_letters::LetterRow;
use uuid::Uuid;

use super::Records;
use crate::bus::BusError;
use crate::personal::PersonalError;
use crate::personal::files::{self, FileKind, NewFile};
use crate::refusal::{Failure, Kind};

#[derive(Debug, thiserror::Error)]
pub enum LetterFlowError {
    #[error(transparent)]
    Refused(#[from] BusError<LetterError>),
    #[error(transparent)]
    Personal(#[from] PersonalError),
    #[error("letter file: {0}")]
    Store(#[from] sqlx::Error),
    #[error("conference: {0}")]
    Conference(String),
}

impl Failure for LetterFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Refused(e) => e.code(),
            _ => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Refused(e) => e.kind(),
            _ => Kind::Internal,
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Refused(e) => Some(e),
            _ => None,
        }
    }
}

/// LETTER-11: "Month DD, YYYY".
fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%B %d, %Y").to_string()
}

/// LETTER-11: what the letter states, in order.
async fn lines(app: &Records, row: &LetterRow) -> Result<Vec<String>, LetterFlowError> {
    let details = app
        .bus
        .peek(&Conference::stream(row.conference_id), |c| {
            c.details().clone()
        })
        .await
        .map_err(|e| LetterFlowError::Conference(e.to_string()))?;
    let p = &app.personal;
    let who = row.applicant;
    let r = &row.request;
    let name = p.read(who, "", r.passport_name.as_ref()).await?;
    let number = p.read(who, "", r.passport_number.as_ref()).await?;
    let address = p.read(who, "", r.destination_address.as_ref()).await?;
    let dob = p.read(who, "", r.date_of_birth.as_ref()).await?;
    let mut out = vec![
        "Letter of invitation".to_string(),
        String::new(),
        "To whom it may concern:".to_string(),
        format!(
            "{name} is invited to attend {}, held {} to {}",
            details.name,
            long_date(details.start_date),
            long_date(details.end_date)
        ),
        format!("at {}, {}.", details.venue, details.address),
        format!(
            "Travel dates: {} to {}.",
            long_date(r.travel_from),
            long_date(r.travel_until)
        ),
        format!("Destination address: {address}"),
        format!("Passport name: {name}"),
        format!("Passport number: {number}"),
        format!("Nationality: {}", r.nationality),
    ];
    if !dob.is_empty() {
        out.push(format!("Date of birth: {dob}"));
    }
    if !r.embassy_name.is_empty() {
        out.push(format!("Embassy: {}", r.embassy_name));
    }
    Ok(out)
}

/// A one-page A4 PDF of `lines` in Helvetica.
pub fn render(lines: &[String]) -> Vec<u8> {
    let (catalog, tree, page_id, font_id, content_id) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    page.parent(tree);
    page.contents(content_id);
    page.resources().fonts().pair(Name(b"F1"), font_id);
    page.finish();
    pdf.type1_font(font_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    let mut c = Content::new();
    let mut y = 770.0;
    for line in lines {
        let bytes: Vec<u8> = line
            .chars()
            .map(|ch| u8::try_from(u32::from(ch)).unwrap_or(b'?'))
            .map(|b| if b < 0x20 { b' ' } else { b })
            .collect();
        c.begin_text();
        c.set_font(Name(b"F1"), 11.0);
        c.next_line(60.0, y);
        c.show(Str(&bytes));
        c.end_text();
        y -= 20.0;
    }
    pdf.stream(content_id, &c.finish());
    pdf.finish()
}

/// LETTER-8: generates the letter of `row` (approved only) as `by`.
pub async fn generate(
    app: &Records,
    row: &LetterRow,
    by: Uuid,
    meta: &EventMeta,
) -> Result<Option<i64>, LetterFlowError> {
    let id = row.id.to_string();
    let status = app
        .bus
        .inspect(&VisaLetter::stream(&id), |l| l.exists().then(|| l.status()))
        .await?;
    match status {
        None => return Err(BusError::Refused(LetterError::NotFound).into()),
        Some(LetterStatus::Approved) => {}
        Some(_) => return Err(BusError::Refused(LetterError::NotApproved).into()),
    }
    let content = render(&lines(app, row).await?);
    let size = u64::try_from(content.len()).unwrap_or(u64::MAX);
    let name = file_name(row.id);
    let sha256 = files::keep(
        &app.db,
        &app.personal,
        &NewFile {
            id: row.id,
            kind: FileKind::VisaLetter,
            person: row.applicant,
            conference: row.conference_id,
            file_name: name.clone(),
            content_type: "application/pdf".into(),
            content,
            created_at: app.bus.services().now(),
        },
    )
    .await?;
    let cmd = LetterCommand::Generate {
        by,
        file: LetterFile {
            file_name: name,
            size,
            sha256,
        },
    };
    Ok(app
        .bus
        .send(&VisaLetter::stream(&id), cmd, meta)
        .await?
        .position)
}

/// LETTER-8 bulk: every approved request among `rows`; answers (generated,
/// refused, last position).
pub async fn generate_all(
    app: &Records,
    rows: &[LetterRow],
    by: Uuid,
    meta: &EventMeta,
) -> Result<(usize, usize, Option<i64>), LetterFlowError> {
    let (mut done, mut refused, mut last) = (0, 0, None);
    for row in rows.iter().filter(|r| r.status == LetterStatus::Approved) {
        match generate(app, row, by, meta).await {
            Ok(p) => {
                done += 1;
                last = p.or(last);
            }
            Err(LetterFlowError::Refused(_)) => refused += 1,
            Err(e) => return Err(e),
        }
    }
    Ok((done, refused, last))
}
