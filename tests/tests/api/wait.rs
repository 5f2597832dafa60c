//! Waiting for what oned does off the request path (driver jobs, monitoring), by polling the
//! API in a bounded loop: a test waits for a state, never for a duration.

use std::future::Future;
use std::time::Duration;

use oca::Client;
use one_core::objects::image::Image;
use one_core::objects::vm::Vm;
use one_core::objects::vnet::Vnet;
use one_core::states::{ImageState, LcmState, VmState, VnetState};

/// How many times to poll (every 50 ms: at most about 30 s).
const POLLS: usize = 600;

/// Polls `f` until it gives a value; panics naming `what` when it never does.
pub async fn until<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..POLLS {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not reached after {POLLS} polls");
}

/// The image once it is in `state`.
pub async fn image(c: &Client, id: i32, state: ImageState) -> Image {
    until(&format!("image {id} {}", state.name()), || async move {
        c.image_info(id).await.ok().filter(|i| i.state == state)
    })
    .await
}

/// Waits until image `id` no longer exists.
pub async fn image_gone(c: &Client, id: i32) {
    until(&format!("image {id} deleted"), || async move { c.image_info(id).await.is_err().then_some(()) })
        .await
}

/// The network once it is in `state`.
pub async fn vnet(c: &Client, id: i32, state: VnetState) -> Vnet {
    until(&format!("network {id} {}", state.name()), || async move {
        c.vn_info(id).await.ok().filter(|v| v.state == state)
    })
    .await
}

/// Waits until network `id` no longer exists.
pub async fn vnet_gone(c: &Client, id: i32) {
    until(&format!("network {id} deleted"), || async move { c.vn_info(id).await.is_err().then_some(()) })
        .await
}

/// The VM once it is in `state` (and `lcm`, for ACTIVE).
pub async fn vm(c: &Client, id: i32, state: VmState, lcm: Option<LcmState>) -> Vm {
    until(&format!("VM {id} {} {lcm:?}", state.name()), || async move {
        c.vm_info(id).await.ok().filter(|v| v.state == state && lcm.is_none_or(|l| v.lcm_state == l))
    })
    .await
}

/// Waits until datastore `id` has been monitored (image allocations check its free space).
pub async fn monitored_datastore(c: &Client, id: i32) {
    until(&format!("datastore {id} monitored"), || async move {
        c.datastore_info(id).await.ok().filter(|d| d.total_mb > 0).map(|_| ())
    })
    .await
}
