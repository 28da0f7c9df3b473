//! The Docker engine: a bounded ping, the images it must already have, and
//! one-line words for its errors.

use tokio::time::timeout;

use super::api::Engine;
use super::images::ImageRef;
use super::{BUILD_COMMAND, ENGINE_CALL_TIMEOUT};

/// How messages name the engine: `DOCKER_HOST`'s value, if it was set.
pub(super) fn host_description(docker_host: Option<&str>) -> String {
    match docker_host {
        Some(h) if !h.trim().is_empty() => format!("DOCKER_HOST={h}"),
        _ => "DOCKER_HOST unset: the default socket".to_owned(),
    }
}

/// The engine `DOCKER_HOST` names (else the default socket), checked
/// with a bounded ping.
pub(super) async fn connect_engine(host: &str) -> Result<Engine, String> {
    let fix = "  fix: start Docker, or set DOCKER_HOST to a running engine (unix:///path/docker.sock or tcp://host:port);\n       with this repository's engine: scripts/docker-engine.sh start && eval \"$(scripts/docker-engine.sh env)\"";
    let docker = Engine::from_host(std::env::var("DOCKER_HOST").ok().as_deref())
        .map_err(|e| format!("no Docker engine can be reached ({host}): {e}\n{fix}"))?;
    match timeout(ENGINE_CALL_TIMEOUT, docker.ping()).await {
        Ok(Ok(())) => Ok(docker),
        Ok(Err(e)) => Err(format!("no Docker engine answers ({host}): {e}\n{fix}")),
        Err(_) => Err(format!(
            "the Docker engine did not answer a ping within {}s ({})\n{fix}",
            ENGINE_CALL_TIMEOUT.as_secs(),
            host
        )),
    }
}

/// Both images must already be in the engine: a pull is never tried (there
/// may be no registry), and a missing image is named with its fix.
pub(super) async fn check_images(
    docker: &Engine,
    images: &[&ImageRef],
    host: &str,
) -> Result<(), String> {
    let mut missing = Vec::new();
    for image in images {
        let descriptor = image.descriptor();
        match timeout(ENGINE_CALL_TIMEOUT, docker.inspect_image(&descriptor)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.is_not_found() => missing.push(*image),
            Ok(Err(e)) => {
                return Err(format!(
                    "cannot inspect the image {descriptor} ({}): {}\n  fix: check the Docker engine ({})",
                    image.var, e, host
                ));
            }
            Err(_) => {
                return Err(format!(
                    "the Docker engine did not answer within {}s when asked for the image {descriptor}",
                    ENGINE_CALL_TIMEOUT.as_secs()
                ));
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = missing
        .iter()
        .map(|i| format!("{} ({})", i.descriptor(), i.var))
        .collect();
    Err(format!(
        "the Docker engine ({}) has no image {}; the container target never pulls\n  fix: build the images here with {BUILD_COMMAND} (no registry needed),\n       or docker pull/build the image, or point {} at an image the engine has",
        host,
        names.join(" and no image "),
        missing
            .iter()
            .map(|i| i.var)
            .collect::<Vec<_>>()
            .join(" / "),
    ))
}

pub(super) async fn is_running(docker: &Engine, name: &str) -> bool {
    match timeout(ENGINE_CALL_TIMEOUT, docker.inspect_container(name)).await {
        Ok(Ok(info)) => super::api::is_running(&info),
        // the engine not answering is not proof that the container exited
        _ => true,
    }
}
