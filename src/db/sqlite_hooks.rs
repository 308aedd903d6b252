//! What SQLite only takes through its C API, set on every SQLite connection as it
//! opens (an auto-extension, since diesel keeps the raw handle to itself):
//!
//! - The query planner stability guarantee (QPSG). Without it SQLite marks a prepared
//!   statement stale whenever a parameter its planner looked at is bound again, and
//!   compiles it anew on the next step. diesel binds every LIMIT as a parameter, so
//!   each `.first()` was compiled on every run in spite of diesel's statement cache
//!   (profiled: `sqlite3Reprepare` under the session lookup of every /me). Our plans
//!   never depend on a bound value: every lookup goes through an index.
//! - A compile detector: SQLite calls the authorizer only while it compiles a
//!   statement, never while a prepared one runs. The flag it raises is read by the
//!   connection's diesel instrumentation (`db::telemetry`), which counts queries that
//!   needed compiling.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};

use libsqlite3_sys as ffi;

thread_local! {
    /// The compile flag for the connection this thread is opening right now.
    static OPENING: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Registers the hooks for every SQLite connection opened from now on, in this process.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: `on_open` has the signature sqlite3_auto_extension expects.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
        if rc != ffi::SQLITE_OK {
            log::warn!("cannot register the SQLite connection hooks (code {rc})");
        }
    });
}

/// Runs `open` (which opens one SQLite connection on this thread) so that the
/// connection raises `compiling` whenever it compiles SQL.
pub fn open_with_compile_flag<T>(compiling: Arc<AtomicBool>, open: impl FnOnce() -> T) -> T {
    install();
    OPENING.with(|slot| *slot.borrow_mut() = Some(compiling));
    let opened = open();
    OPENING.with(|slot| slot.borrow_mut().take());
    opened
}

const CLIENT_DATA_KEY: &std::ffi::CStr = c"sekisho.compile_flag";

/// The auto-extension: called by SQLite inside `sqlite3_open_v2`, on the opening thread.
unsafe extern "C" fn on_open(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection being opened; QPSG takes an int and an out-pointer
    // that may be null.
    unsafe {
        ffi::sqlite3_db_config(
            db,
            ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
            c_int::from(1_u8),
            std::ptr::null_mut::<c_int>(),
        );
    }
    let Some(flag) = OPENING.with(|slot| slot.borrow().clone()) else {
        return ffi::SQLITE_OK;
    };
    let flag = Arc::into_raw(flag).cast::<c_void>().cast_mut();
    // SAFETY: the connection owns one reference to the flag, released by
    // `release_flag` when it closes; the authorizer only borrows it until then.
    unsafe {
        ffi::sqlite3_set_clientdata(db, CLIENT_DATA_KEY.as_ptr(), flag, Some(release_flag));
        ffi::sqlite3_set_authorizer(db, Some(on_compile), flag);
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn release_flag(flag: *mut c_void) {
    // SAFETY: `flag` came from `Arc::into_raw` in `on_open`, released once, here.
    drop(unsafe { Arc::from_raw(flag.cast_const().cast::<AtomicBool>()) });
}

/// The authorizer: allows everything and notes that something is being compiled.
/// BEGIN and COMMIT are left out: SQLite parses those few bytes per transaction
/// whatever the client does.
unsafe extern "C" fn on_compile(
    flag: *mut c_void,
    action: c_int,
    _: *const c_char,
    _: *const c_char,
    _: *const c_char,
    _: *const c_char,
) -> c_int {
    if action != ffi::SQLITE_TRANSACTION {
        // SAFETY: the connection keeps the flag alive while it can compile.
        unsafe { &*flag.cast_const().cast::<AtomicBool>() }.store(true, Ordering::Relaxed);
    }
    ffi::SQLITE_OK
}
