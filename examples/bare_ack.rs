//! The ceiling the ack path is measured against: actix-web with the same
//! worker count as the service, verifying each Standard Webhooks
//! signature (the service's own `verify`) and answering 202, with no
//! parsing beyond the headers, no inbox and no processing. Not part of the
//! service; `benches/run.sh` builds and measures it.
//!   cargo run --release --example bare_ack -- [ADDR]

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use oe_webhooks::config::dev;
use oe_webhooks::signature::standard::{verify, SignedHeaders, SigningKey};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18080".into());
    let keys = web::Data::new(vec![SigningKey::parse(dev::EMAIL_WEBHOOK_SECRET).expect("the dev secret parses")]);
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    HttpServer::new(move || {
        App::new()
            .app_data(keys.clone())
            .route("/webhooks/email/generic", web::post().to(accept))
            .route("/healthz", web::get().to(|| async { HttpResponse::Ok().finish() }))
    })
    .workers(workers)
    .bind(addr)?
    .run()
    .await
}

async fn accept(req: HttpRequest, body: web::Bytes, keys: web::Data<Vec<SigningKey>>) -> HttpResponse {
    let h = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let headers =
        SignedHeaders { id: h("webhook-id"), timestamp: h("webhook-timestamp"), signature: h("webhook-signature") };
    let now = chrono::Utc::now().timestamp();
    match verify(&keys, headers, &body, now, 300) {
        Ok(()) => HttpResponse::Accepted().content_type("application/json").body(r#"{"status":"accepted"}"#),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}
