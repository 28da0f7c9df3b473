//! What a run created in the engine (network, containers), and its
//! removal: awaited at the end of a run, or from `Drop` when a start-up is
//! abandoned (SIGINT/SIGTERM) or something panicked.

use std::time::{Duration, Instant};

use tokio::time::{sleep, timeout, timeout_at};

use super::REMOVE_TIMEOUT;
use super::api::Engine;

/// The containers and network one run created, removed by
/// [`Resources::remove`] (awaited) or, as a fallback, when dropped.
pub(super) struct Resources {
    pub(super) docker: Engine,
    pub(super) run_id: String,
    /// Created (or being created) by this run.
    pub(super) network: Option<String>,
    /// Every container name this run asked for, oldest first, whether or
    /// not its creation finished.
    pub(super) names: Vec<String>,
    removed: bool,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources")
            .field("run_id", &self.run_id)
            .field("network", &self.network)
            .field("containers", &self.names)
            .field("removed", &self.removed)
            .finish()
    }
}

impl Resources {
    pub(super) fn new(docker: Engine, run_id: String) -> Resources {
        Resources {
            docker,
            run_id,
            network: None,
            names: Vec::new(),
            removed: false,
        }
    }

    pub(super) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.names.is_empty() {
            parts.push(format!("containers {}", self.names.join(", ")));
        }
        if let Some(n) = &self.network {
            parts.push(format!("network {n}"));
        }
        if parts.is_empty() {
            "nothing (nothing was started)".to_owned()
        } else {
            parts.join(" and ")
        }
    }

    /// Removes the containers (newest first), then the network. Every
    /// step is bounded; what could not be removed is returned.
    pub(super) async fn remove(&mut self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        // Newest first; containers whose creation was under way too.
        for name in std::mem::take(&mut self.names).into_iter().rev() {
            if let Err(p) = remove_container(&self.docker, &name).await {
                problems.push(p);
            }
        }
        if let Some(network) = self.network.take()
            && let Err(p) = remove_network(&self.docker, &network).await
        {
            problems.push(p);
        }
        self.removed = true;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

async fn remove_container(docker: &Engine, name: &str) -> Result<(), String> {
    match timeout(REMOVE_TIMEOUT, docker.remove_container(name)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) if e.is_not_found() => Ok(()),
        Ok(Err(e)) => Err(format!("container {name}: {e}")),
        Err(_) => Err(format!(
            "container {name}: not removed within {}s",
            REMOVE_TIMEOUT.as_secs()
        )),
    }
}

async fn remove_network(docker: &Engine, name: &str) -> Result<(), String> {
    // A just-removed container can hold its endpoint for a moment: retry briefly.
    let deadline = tokio::time::Instant::now() + REMOVE_TIMEOUT;
    loop {
        match timeout_at(deadline, docker.remove_network(name)).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if e.is_not_found() => return Ok(()),
            Ok(Err(_)) if tokio::time::Instant::now() + Duration::from_millis(200) < deadline => {
                sleep(Duration::from_millis(200)).await;
            }
            Ok(Err(e)) => return Err(format!("network {name}: {e}")),
            Err(_) => {
                return Err(format!(
                    "network {name}: not removed within {}s",
                    REMOVE_TIMEOUT.as_secs()
                ));
            }
        }
    }
}

impl Drop for Resources {
    /// The fallback when [`Resources::remove`] was not awaited: the start
    /// was abandoned (SIGINT/SIGTERM while starting) or something panicked.
    /// Removal cannot be awaited here, so it runs to completion (bounded) on
    /// a thread with a runtime of its own, and this waits for it.
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        eprintln!(
            "\ncontainer: start-up abandoned: removing {}",
            self.describe()
        );
        let started = Instant::now();
        let docker = self.docker.clone();
        let names = std::mem::take(&mut self.names);
        let network = self.network.take();
        self.removed = true;
        let worker = std::thread::Builder::new()
            .name("medusa-conformance-cleanup".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    for name in names.iter().rev() {
                        if let Err(p) = remove_container(&docker, name).await {
                            eprintln!("container: cleanup: {p}");
                        }
                    }
                    if let Some(network) = network
                        && let Err(p) = remove_network(&docker, &network).await
                    {
                        eprintln!("container: cleanup: {p}");
                    }
                });
            });
        if let Ok(worker) = worker {
            let _ = worker.join();
        }
        eprintln!(
            "container: removed what this run had started ({:.1}s)",
            started.elapsed().as_secs_f64()
        );
    }
}
