//! Writing a demo dataset into a store, generating the next batch while the store writes
//! the current one.

use crate::{generate, DemoConfig, DemoStats};
use store::{ImportBatch, Store, StoreError};

/// Batches waiting between the generator thread and the store. One is enough to keep both
/// busy; more would only hold more memory.
const QUEUE: usize = 1;

/// Generates the dataset described by `config` and imports it into `store`: every batch, then
/// `finish_import`, then the meta keys `demo` = `true`, `demo_seed`, `demo_as_of`
/// (YYYY-MM-DD) and `demo_participants` (the number actually generated, which is larger than
/// requested only when fewer than the personas' members were asked for).
///
/// `progress` is called after each batch with the number of participants imported so far.
/// Generation runs on its own thread, one batch ahead of the store, so on a machine with two
/// cores it costs almost nothing next to the writes. At most three batches exist at a time.
pub async fn load(
    store: &dyn Store,
    config: &DemoConfig,
    mut progress: impl FnMut(u64) + Send,
) -> Result<DemoStats, StoreError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ImportBatch>(QUEUE);
    let thread_config = config.clone();
    let producer = std::thread::Builder::new()
        .name("demo-generator".into())
        .spawn(move || {
            for batch in generate(&thread_config) {
                // The receiver is gone when the import failed: stop generating.
                if tx.blocking_send(batch).is_err() {
                    return;
                }
            }
        });

    let mut stats = DemoStats::default();
    match producer {
        Ok(handle) => {
            while let Some(batch) = rx.recv().await {
                stats.add(&batch);
                store.import(batch).await?;
                progress(stats.participants);
            }
            // The channel closes when the thread ends; a panic there must not pass for a
            // complete dataset. The thread has already finished, so joining does not block.
            if handle.join().is_err() {
                return Err(StoreError::Other(
                    "pembuatan data demo berhenti di tengah jalan".into(),
                ));
            }
        }
        Err(_) => {
            // No thread to be had: generate on this one, without the overlap.
            for batch in generate(config) {
                stats.add(&batch);
                store.import(batch).await?;
                progress(stats.participants);
            }
        }
    }

    store.finish_import().await?;
    // The marker goes last, so an interrupted load never looks like a finished demo.
    store
        .meta_set("demo_seed", &config.seed.to_string())
        .await?;
    store
        .meta_set("demo_as_of", &config.as_of.format("%Y-%m-%d").to_string())
        .await?;
    store
        .meta_set("demo_participants", &stats.participants.to_string())
        .await?;
    store.meta_set("demo", "true").await?;
    Ok(stats)
}
