//! ACS validation cost: Gatehouse's full check of an Entra-shaped response (structural guards,
//! samael with a service provider built per request as the ACS does, audience and identity
//! extraction) beside bare samael parse+verify of the same response with a prebuilt provider.
//! Run: cargo bench --bench acs

#[path = "../tests/suite/test_idp.rs"]
mod test_idp;

use std::hint::black_box;

use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};
use gatehouse::idp::certificates;
use gatehouse::saml::sp::SpUrls;
use gatehouse::saml::verify::{self, Trust};
use gatehouse::saml::{guards, identity};
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::EntityDescriptor;
use samael::service_provider::ServiceProviderBuilder;
use test_idp::{Key, Spec};

fn acs(c: &mut Criterion) {
    let sp = SpUrls::new("http://127.0.0.1", "acme");
    let key = Key::active();
    let xml = test_idp::response(&Spec::new(&sp.entity_id, "ann@acme.com"), &key);
    let certificate = certificates::from_text(&key.cert_pem).expect("test certificate");
    let trust = Trust {
        idp_entity_id: test_idp::entity_id(test_idp::TENANT),
        valid: vec![certificate.der.clone()],
        expired: Vec::new(),
        skew: Duration::seconds(180),
    };

    let metadata = test_idp::metadata_xml(&key);
    let bare = ServiceProviderBuilder::default()
        .entity_id(Some(sp.entity_id.clone()))
        .acs_url(Some(sp.acs_url.clone()))
        .idp_metadata(metadata.parse::<EntityDescriptor>().expect("metadata"))
        .allow_idp_initiated(true)
        .allowed_signature_algorithms(Some(vec![AllowedSignatureAlgorithm::RsaSha256]))
        .build()
        .expect("service provider");
    // Both must accept the response, or the comparison means nothing.
    bare.parse_xml_response(&xml, None).expect("samael accepts");
    let shape = guards::inspect(&xml).expect("guards accept");
    verify::verify(&xml, &shape, &sp, &trust).expect("gatehouse accepts");

    let mut group = c.benchmark_group("acs_validation");
    group.bench_function("samael_parse_verify", |b| {
        b.iter(|| {
            bare.parse_xml_response(black_box(&xml), None)
                .expect("valid")
        })
    });
    group.bench_function("gatehouse_full_validation", |b| {
        b.iter(|| {
            let shape = guards::inspect(black_box(&xml)).expect("guards");
            let assertion = verify::verify(&xml, &shape, &sp, &trust).expect("valid");
            (
                identity::name_id(&assertion).expect("name id"),
                identity::object_id(&assertion),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, acs);
criterion_main!(benches);
