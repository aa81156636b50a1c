// RAII wrappers over LMDB: environment, transaction, cursor. LMDB return codes become Status.
// This is the only file that includes lmdb.h (in lmdb_env.cc).
//
// Thread-safety: Env is thread-safe. A Txn and the Cursors opened in it belong to one thread at a
// time (the environment is opened with MDB_NOTLS, so read transactions are not tied to the thread
// that began them). Any number of read transactions may run beside one write transaction, in this
// process or others; LMDB serializes writers across processes.
//
// Map growth: SetMapSize() waits until no transaction of this process is active (transactions
// hold a shared "map lock" while they live) and then remaps. A transaction that finds the map
// grown by another process adopts the new size and retries by itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace sluice::lmdb {

using Dbi = uint32_t;  // MDB_dbi

enum PutFlags : uint32_t {
  kPutDefault = 0,
  kPutAppend = 1,       // MDB_APPEND: the key sorts after every key in the database
  kPutNoOverwrite = 2,  // MDB_NOOVERWRITE: an existing key is an error (Status::Conflict)
};

struct EnvOptions {
  uint64_t map_size = uint64_t{64} << 20;
  uint32_t max_dbs = 32;
  uint32_t max_readers = 126;
  bool read_only = false;
  bool no_sync = false;  // MDB_NOSYNC at open; see Env::SetNoSync
};

struct DbStat {
  uint64_t entries = 0;
  uint64_t pages = 0;  // branch + leaf + overflow
  uint64_t depth = 0;
};

class Txn;

class Env {
 public:
  // Opens (creating the directory and files unless read_only) the environment in `dir`.
  static Status Open(const std::string& dir, const EnvOptions& options, std::unique_ptr<Env>* env);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Begins a transaction in *txn (which must not be active).
  Status BeginRead(Txn* txn);
  Status BeginWrite(Txn* txn);

  // Grows the map to `bytes`. REQUIRES: the calling thread has no active transaction. Waits for
  // this process's transactions to end (IOError after `wait_ms` if they do not).
  Status SetMapSize(uint64_t bytes, int wait_ms = 10000);
  uint64_t map_size();
  uint32_t page_size();
  uint64_t used_bytes();  // (last used page + 1) * page size

  // Toggles MDB_NOSYNC for the commits that follow (per process).
  Status SetNoSync(bool no_sync);
  // Flushes committed data to disk (mdb_env_sync with force).
  Status Sync();

  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }
  MDB_env* get() { return env_; }

 private:
  friend class Txn;
  explicit Env(std::string dir) : dir_(std::move(dir)) {}
  Status Begin(bool read_only, Txn* txn);
  void LockShared();
  void UnlockShared();
  // Records where the map is (after opening and after every remap).
  void NoteMap();

  std::string dir_;
  // The data file's descriptor and memory map; change only while no transaction is active.
  int fd_ = -1;
  const char* map_addr_ = nullptr;
  uint64_t map_len_ = 0;
  MDB_env* env_ = nullptr;
  bool read_only_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;         // GUARDED_BY(mu_): live transactions
  bool resizing_ = false;  // GUARDED_BY(mu_): a remap is waiting; new transactions wait
};

class Txn {
 public:
  Txn() = default;
  ~Txn() { Abort(); }
  Txn(Txn&& o) noexcept;
  Txn& operator=(Txn&& o) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  bool active() const { return txn_ != nullptr; }
  bool read_only() const { return read_only_; }
  // Commits (write) or ends (read). The transaction is inactive afterwards either way.
  Status Commit();
  void Abort();

  // Opens the named database; `create` needs a write transaction.
  Status OpenDbi(const char* name, bool create, Dbi* dbi);
  // NotFound when absent. The view is valid until the transaction ends or writes.
  Status Get(Dbi dbi, std::string_view key, std::string_view* value);
  Status Put(Dbi dbi, std::string_view key, std::string_view value, uint32_t flags = kPutDefault);
  // Reserves `size` bytes for the value of `key` and sets *dst to them (MDB_RESERVE): the caller
  // writes the value in place before the next write in this transaction.
  Status Reserve(Dbi dbi, std::string_view key, size_t size, char** dst,
                 uint32_t flags = kPutDefault);
  // NotFound when absent.
  Status Del(Dbi dbi, std::string_view key);
  Status Stat(Dbi dbi, DbStat* stat);

  // A value this read transaction returned, copied out of the data file with pread into *buf
  // (8-byte aligned) rather than read through the memory map; the copy, or `value` itself when it
  // is not in the map or the read falls short. The data file is the map's image, and a read
  // transaction's pages are not rewritten while it lives, so both hold the same bytes. A
  // sequential scan of large values is several times faster so on virtual machines whose first
  // touch of each mapped page traps to the hypervisor (docs/log.md has the measurements).
  std::string_view CopyValue(std::string_view value, std::vector<uint64_t>* buf) const;

  // True after an operation failed with MDB_MAP_FULL: abort, grow the map and retry.
  bool map_full() const { return map_full_; }
  MDB_txn* get() { return txn_; }

 private:
  friend class Env;
  Status Check(int rc, const char* what);

  Env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  bool read_only_ = true;
  bool map_full_ = false;
};

// A cursor over one database. Positioning calls return whether the cursor is on a record; an
// error other than "not found" also leaves it invalid and is kept in status().
class Cursor {
 public:
  Cursor() = default;
  ~Cursor();
  Cursor(Cursor&& o) noexcept;
  Cursor& operator=(Cursor&& o) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // REQUIRES: txn stays active while the cursor is used, and the cursor is closed (Close() or
  // destruction) before txn commits or aborts.
  Status Open(Txn* txn, Dbi dbi);
  void Close();
  bool First();
  bool Last();
  bool Seek(std::string_view key);  // first key >= key
  bool Next();
  bool Prev();
  bool valid() const { return valid_; }
  // The views are valid until the cursor moves or the transaction writes or ends.
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // Deletes the current record (write transactions).
  Status Del();
  const Status& status() const { return status_; }

 private:
  bool Move(int op, std::string_view seek);

  MDB_cursor* cursor_ = nullptr;
  bool valid_ = false;
  std::string_view key_, value_;
  Status status_;
};

// Converts an LMDB return code into a Status whose message starts with `what`.
Status FromLmdb(int rc, std::string_view what);

// The IOError for a failed write to the data file of the environment in `dir`, naming the cause
// and the file: "disk full" (ENOSPC, EDQUOT), "file size limit reached" (EFBIG), "map size limit
// reached" (MDB_MAP_FULL). EIO, which LMDB returns for a short write, is traced back to a full
// disk or the file size limit when one of them is the cause.
Status DescribeWriteError(int err, const std::string& dir, std::string_view what);

}  // namespace sluice::lmdb
