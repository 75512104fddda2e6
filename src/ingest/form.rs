//! HTML form bodies (urlencoded or multipart) as providers post them:
//! fields in order, repeats kept, names matched without regard to case.

use bytes::Bytes;

use super::IngestError;
use crate::domain::Attachment;

#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    /// File parts: metadata only, the content is dropped here.
    pub files: Vec<Attachment>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
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
                Ok(Self { fields, files: Vec::new() })
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
                let data = field.bytes().await.map_err(|e| IngestError::Malformed(format!("multipart: {e}")))?;
                form.files.push(Attachment { filename, content_type, size: data.len() as u64 });
            }
            None => {
                let value = field.text().await.map_err(|e| IngestError::Malformed(format!("multipart: {e}")))?;
                form.fields.push((name, value));
            }
        }
    }
    Ok(form)
}
