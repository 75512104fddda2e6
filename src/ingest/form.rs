//! HTML form bodies (urlencoded or multipart) as providers post them:
//! fields in order, repeats kept, names matched without regard to case.

use bytes::Bytes;

use super::mime::attachment;
use super::IngestError;
use crate::domain::Attachment;

#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    /// The same fields with their values as sent, undecoded: multipart
    /// values need not be UTF-8 (SendGrid declares their charsets apart).
    pub raw: Vec<(String, Bytes)>,
    /// File parts: metadata only, the content is dropped here.
    pub files: Vec<Attachment>,
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

    pub async fn parse(content_type: &str, body: Bytes) -> Result<Self, IngestError> {
        let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/x-www-form-urlencoded" => {
                let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                    .map_err(|e| IngestError::Malformed(format!("form body: {e}")))?;
                Ok(Self { fields, raw: urlencoded_raw(&body), files: Vec::new() })
            }
            "multipart/form-data" => multipart(content_type, body).await,
            _ => Err(IngestError::UnsupportedMediaType("application/x-www-form-urlencoded or multipart/form-data")),
        }
    }
}

async fn multipart(content_type: &str, body: Bytes) -> Result<Form, IngestError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| IngestError::Malformed("multipart boundary missing".into()))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    while let Some(field) = parts.next_field().await.map_err(|e| IngestError::Malformed(format!("multipart: {e}")))? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(filename) => {
                let content_type = field.content_type().map(|m| m.to_string()).unwrap_or_default();
                // A file part that cannot be read is skipped, not the mail;
                // a broken stream fails at the next part anyway.
                match field.bytes().await {
                    Ok(data) => form.files.push(attachment(filename, content_type, data.len() as u64)),
                    Err(e) => tracing::warn!(field = %name, error = %e, "skipping unreadable file part"),
                }
            }
            None => {
                // As multer's `text()`: the part's own charset, else UTF-8,
                // malformed sequences replaced.
                let charset = field.content_type().and_then(|m| m.get_param("charset").map(|c| c.to_string()));
                let encoding =
                    charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes())).unwrap_or(encoding_rs::UTF_8);
                let data = field.bytes().await.map_err(|e| IngestError::Malformed(format!("multipart: {e}")))?;
                form.fields.push((name.clone(), encoding.decode(&data).0.into_owned()));
                form.raw.push((name, data));
            }
        }
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
