//! The `ACTION` of a VM history record, as the life-cycle names it: the same codes as the VM
//! document's [`VmAction`](crate::objects::vm::VmAction), so the daemon stores a step's
//! history actions as they are.

pub use crate::objects::vm::VmAction as HistoryAction;
