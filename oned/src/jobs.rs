//! Work that runs off the request path: driver actions and monitoring rounds. An API call
//! commits its state change, queues a [`Job`] and returns; the runner executes jobs on
//! blocking threads and feeds their outcomes back through the managers, each in its own
//! transaction.
//!
//! Two modes, as omicron's simulated agents have: [`spawn_runner`] runs jobs as they come
//! (the daemon), and [`drain`] runs the queued jobs to completion on the calling thread
//! (deterministic tests).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::api::Ctx;

/// A piece of background work.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    /// One monitoring round of a host (and of the VMs it reports).
    MonitorHost(i32),
    /// One capacity round of a datastore.
    MonitorDatastore(i32),
    /// The next driver step of a VM's life-cycle.
    Vm(i32, crate::lcm::Step),
    /// Datastore driver work on an image.
    Image(i32, crate::api::image_jobs::ImageTask),
    /// Network driver work on a virtual network.
    Vnet(i32, crate::api::vnets::VnetTask),
}

/// The queue the managers put jobs in.
#[derive(Debug, Clone)]
pub struct JobQueue {
    tx: UnboundedSender<Job>,
    in_flight: Arc<Mutex<HashSet<Job>>>,
}

impl JobQueue {
    /// A queue and the receiving end the runner (or a test) drains.
    pub fn new() -> (JobQueue, UnboundedReceiver<Job>) {
        let (tx, rx) = unbounded_channel();
        (JobQueue { tx, in_flight: Arc::new(Mutex::new(HashSet::new())) }, rx)
    }

    /// Queues a job. A monitoring job already queued or running is not queued twice.
    pub fn push(&self, job: Job) {
        if matches!(job, Job::MonitorHost(_) | Job::MonitorDatastore(_)) {
            let mut set = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            if !set.insert(job.clone()) {
                return;
            }
        }
        // Without a receiver (oned shutting down) the job is dropped; the reconciler queues
        // it again on the next start.
        let _ = self.tx.send(job);
    }

    fn done(&self, job: &Job) {
        if matches!(job, Job::MonitorHost(_) | Job::MonitorDatastore(_)) {
            self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(job);
        }
    }
}

/// Runs one job to completion.
pub fn run(ctx: &Ctx, job: Job) {
    match &job {
        Job::MonitorHost(id) => crate::monitor::host(ctx, *id),
        Job::MonitorDatastore(id) => crate::monitor::datastore(ctx, *id),
        Job::Vm(id, step) => crate::lcm::run_step(ctx, *id, step),
        Job::Image(id, task) => crate::api::image_jobs::run(ctx, *id, *task),
        Job::Vnet(id, task) => crate::api::vnets::run(ctx, *id, *task),
    }
    ctx.jobs.done(&job);
}

/// Runs queued jobs, and those they queue, until the queue is empty; returns how many ran.
pub fn drain(ctx: &Ctx, rx: &mut UnboundedReceiver<Job>) -> usize {
    let mut n = 0;
    while let Ok(job) = rx.try_recv() {
        run(ctx, job);
        n += 1;
    }
    n
}

/// Runs jobs as they are queued, each on a blocking thread, at most `driver_threads` at a
/// time (OpenNebula's drivers run 15 actions at once by default).
pub fn spawn_runner(ctx: Arc<Ctx>, mut rx: UnboundedReceiver<Job>) -> tokio::task::JoinHandle<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(ctx.config.driver_threads.max(1)));
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let Ok(slot) = slots.clone().acquire_owned().await else { return };
            let ctx = ctx.clone();
            tokio::task::spawn_blocking(move || {
                run(&ctx, job);
                drop(slot);
            });
        }
    })
}

/// Queues a monitoring round of every host and datastore every `monitoring_interval`.
pub fn spawn_monitoring(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = std::time::Duration::from_secs(ctx.config.monitoring_interval);
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let ctx2 = ctx.clone();
            let found = tokio::task::spawn_blocking(move || crate::monitor::due(&ctx2)).await;
            if let Ok(jobs) = found {
                for job in jobs {
                    ctx.jobs.push(job);
                }
            }
        }
    })
}
