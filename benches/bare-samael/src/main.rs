//! Bare samael 0.0.22 (as published) over the responses `acs_load_setup` wrote: parse + verify
//! each once with a service provider built once, as the fastest possible SP would. The
//! yardstick of scripts/acs-bench.sh. Prints responses/s on stdout.
//! Usage: bare-samael RESPONSES_FILE PUBLIC_URL (the IdP's metadata is RESPONSES_FILE.idp.xml)

use std::io::BufRead;
use std::time::Instant;

use base64::Engine;
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::EntityDescriptor;
use samael::service_provider::ServiceProviderBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, public_url] = args.as_slice() else {
        return Err("usage: bare-samael RESPONSES_FILE PUBLIC_URL".into());
    };
    let entity = format!("{}/saml/acme", public_url.trim_end_matches('/'));
    let metadata = std::fs::read_to_string(format!("{file}.idp.xml"))?;
    let sp = ServiceProviderBuilder::default()
        .entity_id(Some(entity.clone()))
        .acs_url(Some(format!("{entity}/acs")))
        .idp_metadata(metadata.parse::<EntityDescriptor>()?)
        .allow_idp_initiated(true)
        // The same windows as Gatehouse's (180 s skew), so both accept the same responses.
        .max_clock_skew(chrono::Duration::seconds(180))
        .max_issue_delay(chrono::Duration::seconds(300))
        .allowed_signature_algorithms(Some(vec![AllowedSignatureAlgorithm::RsaSha256]))
        .build()?;
    // Decode first: only samael's own work is timed (the server's figure includes its decoding).
    let mut documents = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&line?)?;
        let (_, encoded) = pairs
            .into_iter()
            .find(|(k, _)| k == "SAMLResponse")
            .ok_or("no SAMLResponse")?;
        documents.push(String::from_utf8(
            base64::engine::general_purpose::STANDARD.decode(encoded)?,
        )?);
    }
    let started = Instant::now();
    for xml in &documents {
        sp.parse_xml_response(xml, None)?;
    }
    let rate = documents.len() as f64 / started.elapsed().as_secs_f64();
    println!("{rate:.0}");
    Ok(())
}
