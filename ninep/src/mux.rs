//! Multiplexing requests over one connection by tag, as devmnt does:
//! callers send under their own tag and block; whichever caller is waiting
//! reads the connection and hands each reply to the caller waiting on its
//! tag (see `Inner::wait`).
//!
//! A tag is reused only once its request is finished on both sides: the
//! reply (or an Rflush) has arrived, no Tflush for it is still outstanding,
//! and its caller has collected it.

use crate::client::{Error, Result};
use crate::dial::Transport;
use crate::messages::*;
use crate::types::NOTAG;
use crate::wire::{read_frame, Dialect};
use std::collections::HashMap;
use std::io::{self, BufReader};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Names one sent request, so that another thread may flush it. The serial
/// keeps a stale id from flushing a later request that reused the tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestId {
    pub tag: u16,
    serial: u64,
}

struct Slot {
    serial: u64,
    /// The reply, once read and until its caller collects it.
    reply: Option<Result<Fcall>>,
    /// The waiting caller's wake-up, while it waits.
    waker: Option<Arc<Condvar>>,
    answered: bool,
    owner_done: bool,
    flushes: u32,
    /// For a Tflush: the request it cancels, answered when Rflush comes.
    flushing: Option<RequestId>,
}

#[derive(Default)]
struct Tags {
    slots: HashMap<u16, Slot>,
    free: Vec<u16>,
    next: u16,
    serial: u64,
    dead: Option<String>,
    /// Some caller is reading the connection for everyone.
    reading: bool,
}

pub(crate) struct Inner {
    writer: Mutex<Box<dyn Transport>>,
    /// Held only by the caller currently reading replies.
    reader: Mutex<BufReader<Box<dyn Transport>>>,
    tags: Mutex<Tags>,
    tag_freed: Condvar,
    pub(crate) msize: u32,
    pub(crate) dialect: Dialect,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not turn every later 9P call into a panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn wait_on<'a, T>(c: &Condvar, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    c.wait(g).unwrap_or_else(|p| p.into_inner())
}

thread_local! {
    /// Each thread waits on its own condition variable, so a reply wakes
    /// exactly its caller and no allocation is made per request.
    static WAKER: Arc<Condvar> = Arc::new(Condvar::new());
}

impl Inner {
    /// Multiplexes over a connection whose version is agreed; `reader` is
    /// another handle on the same stream as `writer`.
    pub(crate) fn new(
        writer: Box<dyn Transport>,
        reader: Box<dyn Transport>,
        msize: u32,
        dialect: Dialect,
    ) -> Inner {
        Inner {
            writer: Mutex::new(writer),
            reader: Mutex::new(BufReader::with_capacity(msize as usize, reader)),
            tags: Mutex::default(),
            tag_freed: Condvar::new(),
            msize,
            dialect,
        }
    }

    /// Shuts the connection down, waking a caller blocked reading it.
    pub(crate) fn shutdown(&self) {
        let _ = lock(&self.writer).shutdown();
    }
    /// Frees the tag once reply, flushes and caller are all done with it.
    fn maybe_free(&self, t: &mut Tags, tag: u16) {
        if let Some(s) = t.slots.get(&tag) {
            if s.answered && s.owner_done && s.flushes == 0 {
                t.slots.remove(&tag);
                t.free.push(tag);
                self.tag_freed.notify_one();
            }
        }
    }

    /// Hands a request its reply and wakes its caller.
    fn answer(&self, t: &mut Tags, tag: u16, r: Result<Fcall>) {
        if let Some(s) = t.slots.get_mut(&tag) {
            if !s.answered {
                s.answered = true;
                s.reply = Some(r);
                if let Some(w) = &s.waker {
                    w.notify_one();
                }
            }
        }
        self.maybe_free(t, tag);
    }

    /// Marks the connection dead and fails every outstanding request.
    fn hang_up(&self, t: &mut Tags, why: String) {
        log::debug!("9P client connection ended: {why}");
        if t.dead.is_none() {
            t.dead = Some(why.clone());
        }
        let tags: Vec<u16> = t.slots.keys().copied().collect();
        for tag in tags {
            self.answer(t, tag, Err(Error::Hungup(why.clone())));
        }
        self.tag_freed.notify_all();
    }

    pub(crate) fn send(
        self: &Arc<Self>,
        msg: &Fcall,
        flushing: Option<RequestId>,
    ) -> Result<Pending> {
        let id = {
            let mut t = lock(&self.tags);
            let tag = loop {
                if let Some(why) = &t.dead {
                    return Err(Error::Hungup(why.clone()));
                }
                if let Some(tag) = t.free.pop() {
                    break tag;
                }
                if t.next < NOTAG {
                    t.next += 1;
                    break t.next - 1;
                }
                t = wait_on(&self.tag_freed, t);
            };
            t.serial += 1;
            let serial = t.serial;
            let slot = Slot {
                serial,
                reply: None,
                waker: None,
                answered: false,
                owner_done: false,
                flushes: 0,
                flushing,
            };
            t.slots.insert(tag, slot);
            RequestId { tag, serial }
        };
        let bytes = to_bytes(id.tag, msg, self.dialect);
        if let Err(e) = lock(&self.writer).write_frame(&bytes) {
            self.hang_up(&mut lock(&self.tags), format!("write: {e}"));
        }
        Ok(Pending {
            inner: Some(self.clone()),
            id,
        })
    }

    /// Blocks until request `id` is answered. As in devmnt, there is no
    /// reader thread: a waiting caller reads the connection for everyone,
    /// handing other callers their replies, until its own arrives; then
    /// another waiting caller takes over. A lone caller thus reads its own
    /// reply, with no thread in between.
    fn wait(&self, id: RequestId) -> Result<Fcall> {
        let waker = WAKER.with(Arc::clone);
        let mut t = lock(&self.tags);
        loop {
            let Some(s) = t.slots.get_mut(&id.tag).filter(|s| s.serial == id.serial) else {
                return Err(Error::Hungup("request forgotten".into()));
            };
            if let Some(r) = s.reply.take() {
                s.waker = None;
                return r;
            }
            if t.reading {
                if let Some(s) = t.slots.get_mut(&id.tag) {
                    s.waker = Some(waker.clone());
                }
                t = wait_on(&waker, t);
                continue;
            }
            t.reading = true;
            drop(t);
            let read = self.read_one();
            t = lock(&self.tags);
            t.reading = false;
            match read {
                Ok((tag, msg)) if t.slots.contains_key(&tag) => {
                    let flushed = t.slots.get(&tag).and_then(|s| s.flushing);
                    self.answer(&mut t, tag, Ok(msg));
                    // After Rflush no reply to the old tag will come: it is
                    // answered here, by whoever reads, even if that is the
                    // very caller waiting on it.
                    if let Some(old) = flushed {
                        if t.slots
                            .get(&old.tag)
                            .is_some_and(|s| s.serial == old.serial)
                        {
                            self.answer(&mut t, old.tag, Err(Error::Flushed));
                        }
                    }
                }
                Ok((tag, msg)) => log::warn!("9P reply {} for unknown tag {tag}", msg.name()),
                Err(why) => self.hang_up(&mut t, why),
            }
            // If that was not our reply, we read again at the top; if it was,
            // pass the reading on to some other waiting caller.
            let mine = t.slots.get(&id.tag).is_some_and(|s| s.reply.is_some());
            if mine {
                if let Some(w) = t
                    .slots
                    .values()
                    .filter(|s| !s.answered)
                    .find_map(|s| s.waker.as_ref())
                {
                    w.notify_one();
                }
            }
        }
    }

    /// Reads and decodes one reply; the error is why the connection is dead.
    fn read_one(&self) -> std::result::Result<(u16, Fcall), String> {
        let mut r = lock(&self.reader);
        let frame = match read_frame(&mut *r, self.msize) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err("connection closed".into())
            }
            Err(e) => return Err(format!("read: {e}")),
        };
        decode_msg(&frame, self.dialect, self.msize).map_err(|e| format!("bad reply: {e}"))
    }

    pub(crate) fn flush(self: &Arc<Self>, id: RequestId) -> Result<()> {
        {
            let mut t = lock(&self.tags);
            match t.slots.get_mut(&id.tag) {
                Some(s) if s.serial == id.serial && !s.answered => s.flushes += 1,
                _ => return Ok(()), // already answered: nothing to cancel
            }
        }
        // Rflush promises no reply to oldtag will follow, so only after it
        // may the tag be declared flushed (a reply sent before it is kept).
        let r = self
            .send(&Tflush { oldtag: id.tag }.into(), Some(id))
            .and_then(Pending::wait);
        let mut t = lock(&self.tags);
        if let Some(s) = t.slots.get_mut(&id.tag) {
            s.flushes -= 1;
        }
        self.maybe_free(&mut t, id.tag);
        r.map(drop)
    }
}

/// A request in flight. `wait` collects the reply; `flush` cancels it.
/// Dropping it unwaited is allowed: the reply is discarded when it comes.
pub struct Pending {
    inner: Option<Arc<Inner>>,
    id: RequestId,
}

impl Pending {
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// Blocks for the reply. Rerror becomes `Error::Remote`.
    pub fn wait(mut self) -> Result<Fcall> {
        let r = match &self.inner {
            Some(inner) => inner.wait(self.id),
            None => Err(Error::Hungup("request already collected".into())),
        };
        self.release();
        match r? {
            Fcall::Rerror(e) => Err(Error::Remote {
                ename: e.ename,
                errno: (e.errno != 0).then_some(e.errno),
            }),
            reply => Ok(reply),
        }
    }

    /// Cancels the request with Tflush. Returns the reply if the server
    /// answered before the flush took effect (the request then happened and
    /// the caller must account for it, e.g. a created file or a new fid),
    /// or None if it was cancelled.
    pub fn flush(self) -> Result<Option<Fcall>> {
        if let Some(inner) = self.inner.clone() {
            inner.flush(self.id)?;
        }
        match self.wait() {
            Ok(reply) => Ok(Some(reply)),
            Err(Error::Flushed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn release(&mut self) {
        if let Some(inner) = self.inner.take() {
            let mut t = lock(&inner.tags);
            if let Some(s) = t.slots.get_mut(&self.id.tag) {
                if s.serial == self.id.serial {
                    s.owner_done = true;
                    s.reply = None;
                    s.waker = None;
                    inner.maybe_free(&mut t, self.id.tag);
                }
            }
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.release();
    }
}
