//! HTML form bodies (urlencoded or multipart) as providers post them:
//! fields in order, repeats kept, names matched without regard to case.

use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::mime::attachment;
use super::{Body, BodyError, IngestError};
use crate::domain::Attachment;

#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    /// The same fields with their values as sent, undecoded: multipart
    /// values need not be UTF-8 (SendGrid declares their charsets apart).
    pub raw: Vec<(String, Bytes)>,
    /// File parts: metadata only, the content is dropped here.
    pub files: Vec<Attachment>,
    /// Parts read as metadata only (`Form::parse_with`): name and size.
    pub sized: Vec<(String, u64)>,
    /// SHA-256 of the form's content (each part's name, file name, type and
    /// bytes, in order; a urlencoded body as sent): the same however the
    /// body arrived in chunks. Only [`Form::parse`] computes it (Mailgun
    /// binds its token to it); all zeros from [`Form::parse_with`].
    pub digest: [u8; 32],
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of a field, in order (repeated headers).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A field's value as sent, before any charset decoding.
    pub fn get_raw(&self, name: &str) -> Option<&[u8]> {
        self.raw.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }

    pub fn count(&self, name: &str) -> usize {
        self.fields.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count()
    }

    /// Parses the form and its [`Form::digest`].
    pub async fn parse(content_type: &str, body: impl Into<Body>) -> Result<Self, IngestError> {
        Self::read(content_type, body.into(), |_| false, true).await
    }

    /// As [`Form::parse`] without the digest (no hash over the whole body
    /// before the answer); multipart parts named so that `metadata_only`
    /// holds are counted, not kept (like file parts), into `sized`.
    pub async fn parse_with(
        content_type: &str,
        body: impl Into<Body>,
        metadata_only: fn(&str) -> bool,
    ) -> Result<Self, IngestError> {
        Self::read(content_type, body.into(), metadata_only, false).await
    }

    async fn read(
        content_type: &str,
        body: Body,
        metadata_only: fn(&str) -> bool,
        with_digest: bool,
    ) -> Result<Self, IngestError> {
        let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/x-www-form-urlencoded" => {
                let body = body.whole().await?;
                let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                    .map_err(|e| IngestError::Malformed(format!("form body: {e}")))?;
                let digest = if with_digest { Sha256::digest(&body).into() } else { [0; 32] };
                Ok(Self { fields, raw: urlencoded_raw(&body), digest, ..Self::default() })
            }
            "multipart/form-data" => multipart(content_type, body, metadata_only, with_digest).await,
            _ => Err(IngestError::UnsupportedMediaType("application/x-www-form-urlencoded or multipart/form-data")),
        }
    }
}

/// Adds `bytes` to the digest, when one is computed.
fn feed(digest: &mut Option<Sha256>, bytes: impl AsRef<[u8]>) {
    if let Some(d) = digest {
        d.update(bytes);
    }
}

/// A multipart error: the body's own (too large, cut off) or a malformed form.
fn multipart_error(e: multer::Error) -> IngestError {
    if let multer::Error::StreamReadFailed(source) = &e {
        if let Some(body) = source.downcast_ref::<BodyError>() {
            return IngestError::Body(body.clone());
        }
    }
    IngestError::Malformed(format!("multipart: {e}"))
}

/// Parses the parts as they arrive: file parts (and `metadata_only` ones)
/// are counted and hashed chunk by chunk and never held, so memory stays
/// bounded by the text parts, whatever the attachments weigh.
async fn multipart(
    content_type: &str,
    body: Body,
    metadata_only: fn(&str) -> bool,
    with_digest: bool,
) -> Result<Form, IngestError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| IngestError::Malformed("multipart boundary missing".into()))?;
    let stream = match body {
        Body::Whole(bytes) => futures_util::stream::once(async move { Ok::<Bytes, BodyError>(bytes) }).boxed(),
        Body::Streaming(stream) => stream,
    };
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    let mut digest = with_digest.then(Sha256::new);
    while let Some(mut field) = parts.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(|m| m.to_string()).unwrap_or_default();
        for head in [name.as_bytes(), filename.as_deref().unwrap_or_default().as_bytes(), content_type.as_bytes()] {
            feed(&mut digest, (head.len() as u64).to_be_bytes());
            feed(&mut digest, head);
        }
        if filename.is_some() || metadata_only(&name) {
            let mut size = 0u64;
            let read = loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        size += chunk.len() as u64;
                        feed(&mut digest, &chunk);
                    }
                    Ok(None) => {
                        feed(&mut digest, size.to_be_bytes());
                        break Ok(());
                    }
                    Err(e) => break Err(e),
                }
            };
            match (read, filename) {
                (Ok(()), Some(filename)) => form.files.push(attachment(filename, content_type, size)),
                (Ok(()), None) => form.sized.push((name, size)),
                (Err(e), _) => match multipart_error(e) {
                    // The body itself failed: nothing after this part can be read.
                    e @ IngestError::Body(_) => return Err(e),
                    // A part that cannot be read is skipped, not the mail; a
                    // broken form fails at the next part anyway.
                    e => tracing::warn!(field = %name, error = %e, "skipping unreadable file part"),
                },
            }
        } else {
            // As multer's `text()`: the part's own charset, else UTF-8,
            // malformed sequences replaced.
            let charset = field.content_type().and_then(|m| m.get_param("charset").map(|c| c.to_string()));
            let encoding =
                charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes())).unwrap_or(encoding_rs::UTF_8);
            let data = field.bytes().await.map_err(multipart_error)?;
            feed(&mut digest, &data);
            feed(&mut digest, (data.len() as u64).to_be_bytes());
            form.fields.push((name.clone(), encoding.decode(&data).0.into_owned()));
            form.raw.push((name, data));
        }
    }
    if let Some(d) = digest {
        form.digest = d.finalize().into();
    }
    Ok(form)
}

/// Urlencoded pairs with values percent-decoded to bytes, not to text.
fn urlencoded_raw(body: &[u8]) -> Vec<(String, Bytes)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            (String::from_utf8_lossy(&percent_decode(k)).into_owned(), Bytes::from(percent_decode(v)))
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn urlencoded_values_keep_their_bytes() {
        let body = Bytes::from_static(b"text=Gr%FCsse+aus+Z%C3%BCrich&x=%2&empty=&flag");
        let form = Form::parse("application/x-www-form-urlencoded", body).await.unwrap();
        assert_eq!(form.get_raw("TEXT"), Some(&b"Gr\xfcsse aus Z\xc3\xbcrich"[..]));
        assert_eq!(form.get_raw("x"), Some(&b"%2"[..]));
        assert_eq!(form.get_raw("empty"), Some(&b""[..]));
        assert_eq!(form.get_raw("flag"), Some(&b""[..]));
        assert_eq!(form.get("x"), Some("%2"));
    }

    #[tokio::test]
    async fn multipart_fields_keep_raw_bytes_and_repeats() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nGr\u{fc}sse\r\n\
--b\r\nContent-Disposition: form-data; name=\"Received\"\r\n\r\none\r\n\
--b\r\nContent-Disposition: form-data; name=\"received\"\r\n\r\ntwo\r\n\
--b\r\nContent-Disposition: form-data; name=\"attachment1\"; filename=\"plan.pdf\"\r\n\
Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(body);
        let form = Form::parse("multipart/form-data; boundary=b", Bytes::from(bytes.into_owned())).await.unwrap();
        assert_eq!(form.get_raw("text"), Some(&b"Gr\xfcsse"[..]));
        assert_eq!(form.get("text"), Some("Gr\u{fffd}sse"));
        assert_eq!(form.get_all("RECEIVED").collect::<Vec<_>>(), ["one", "two"]);
        assert_eq!(
            form.files,
            [Attachment { filename: "plan.pdf".into(), content_type: "application/pdf".into(), size: 8 }]
        );
    }
}
