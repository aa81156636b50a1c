#include "storage/lmdb_env.h"

#include <fmt/format.h>
#include <lmdb.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace sluice::lmdb {
namespace {

MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}
unsigned int ToMdbFlags(uint32_t flags) {
  unsigned int f = 0;
  if (flags & kPutAppend) f |= MDB_APPEND;
  if (flags & kPutNoOverwrite) f |= MDB_NOOVERWRITE;
  return f;
}

bool IsWriteError(int rc) { return rc == ENOSPC || rc == EDQUOT || rc == EFBIG || rc == EIO; }

// Reading a page past the end of the data file through the map raises SIGBUS, so a file cut
// short (a truncated copy, a full disk during a copy) must be refused before any read. The meta
// pages themselves were read with pread by mdb_env_open, which fails on a file too short for them.
Status CheckDataFileSize(MDB_env* env, const std::string& dir) {
  MDB_envinfo info;
  MDB_stat st;
  mdb_filehandle_t fd;
  SLUICE_RETURN_IF_ERROR(FromLmdb(mdb_env_info(env, &info), "mdb_env_info"));
  SLUICE_RETURN_IF_ERROR(FromLmdb(mdb_env_stat(env, &st), "mdb_env_stat"));
  SLUICE_RETURN_IF_ERROR(FromLmdb(mdb_env_get_fd(env, &fd), "mdb_env_get_fd"));
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    return Status::IOError(fmt::format("cannot stat '{}/data.mdb': {}", dir, std::strerror(errno)));
  }
  const uint64_t need = (uint64_t{info.me_last_pgno} + 1) * st.ms_psize;
  const uint64_t have = static_cast<uint64_t>(sb.st_size);
  if (have < need) {
    return Status::Corruption(fmt::format(
        "'{}/data.mdb' is truncated: it has {} bytes, but its committed pages need {} ({} pages "
        "of {} bytes); it cannot be read. Restore the directory from a copy",
        dir, have, need, uint64_t{info.me_last_pgno} + 1, st.ms_psize));
  }
  return Status::OK();
}

// LMDB reports a short write (the disk filled up, or the file reached the size limit, part way
// through a write) as EIO: look for the cause.
int ShortWriteCause(const std::string& dir) {
  constexpr uint64_t kSlack = uint64_t{1} << 20;  // a write that failed for space left less
  const std::string file = dir + "/data.mdb";
  struct stat sb;
  struct rlimit rl;
  if (::stat(file.c_str(), &sb) == 0 && ::getrlimit(RLIMIT_FSIZE, &rl) == 0 &&
      rl.rlim_cur != RLIM_INFINITY && static_cast<uint64_t>(sb.st_size) + kSlack > rl.rlim_cur) {
    return EFBIG;
  }
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) == 0 &&
      static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize < kSlack) {
    return ENOSPC;
  }
  return EIO;
}

}  // namespace

Status DescribeWriteError(int err, const std::string& dir, std::string_view what) {
  const std::string file = dir + "/data.mdb";
  if (err == EIO) err = ShortWriteCause(dir);
  switch (err) {
    case ENOSPC:
      return Status::IOError(
          fmt::format("{}: disk full: no space left on the device of '{}'; nothing of the failed "
                      "transaction was committed. Free space and run again",
                      what, file));
    case EDQUOT:
      return Status::IOError(fmt::format(
          "{}: disk full: the disk quota of the owner of '{}' is used up; nothing of the failed "
          "transaction was committed. Free space or raise the quota and run again",
          what, file));
    case EFBIG:
      return Status::IOError(fmt::format(
          "{}: file size limit reached: '{}' cannot grow past the process's file size limit "
          "(ulimit -f); nothing of the failed transaction was committed. Raise the limit and run "
          "again",
          what, file));
    case MDB_MAP_FULL:
      return Status::IOError(fmt::format(
          "{}: map size limit reached: '{}' fills its LMDB map; nothing of the failed transaction "
          "was committed",
          what, file));
    default:
      return FromLmdb(err, fmt::format("{}: '{}'", what, file));
  }
}

Status FromLmdb(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::OK();
  std::string msg = fmt::format("{}: {}", what, mdb_strerror(rc));
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(std::move(msg));
    case MDB_KEYEXIST:
      return Status::Conflict(std::move(msg));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_BAD_DBI:
      return Status::Corruption(std::move(msg));
    case MDB_MAP_RESIZED:
      return Status::Aborted(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

// ---- Env ----

Status Env::Open(const std::string& dir, const EnvOptions& options, std::unique_ptr<Env>* out) {
  if (!options.read_only && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::IOError(
        fmt::format("cannot create log directory '{}': {}", dir, std::strerror(errno)));
  }
  std::unique_ptr<Env> env(new Env(dir));
  env->read_only_ = options.read_only;
  SLUICE_RETURN_IF_ERROR(FromLmdb(mdb_env_create(&env->env_), "mdb_env_create"));
  SLUICE_RETURN_IF_ERROR(FromLmdb(mdb_env_set_maxdbs(env->env_, options.max_dbs), "set_maxdbs"));
  SLUICE_RETURN_IF_ERROR(
      FromLmdb(mdb_env_set_maxreaders(env->env_, options.max_readers), "set_maxreaders"));
  SLUICE_RETURN_IF_ERROR(
      FromLmdb(mdb_env_set_mapsize(env->env_, options.map_size), "mdb_env_set_mapsize"));
  unsigned int flags = MDB_NOTLS;
  if (options.read_only) flags |= MDB_RDONLY;
  if (options.no_sync) flags |= MDB_NOSYNC;
  int rc = mdb_env_open(env->env_, dir.c_str(), flags, 0644);
  if (!options.read_only && IsWriteError(rc)) {
    return DescribeWriteError(rc, dir, fmt::format("cannot open log '{}'", dir));
  }
  if (rc != MDB_SUCCESS) {
    return FromLmdb(rc, fmt::format("cannot open log '{}'", dir));
  }
  SLUICE_RETURN_IF_ERROR(CheckDataFileSize(env->env_, dir));
  env->NoteMap();
  *out = std::move(env);
  return Status::OK();
}

Env::~Env() {
  if (env_) mdb_env_close(env_);
}

void Env::LockShared() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return !resizing_; });
  ++active_;
}

void Env::UnlockShared() {
  std::lock_guard<std::mutex> l(mu_);
  if (--active_ == 0) cv_.notify_all();
}

Status Env::Begin(bool read_only, Txn* txn) {
  txn->Abort();
  for (int attempt = 0;; ++attempt) {
    LockShared();
    MDB_txn* t = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &t);
    if (rc == MDB_SUCCESS) {
      txn->env_ = this;
      txn->txn_ = t;
      txn->read_only_ = read_only;
      txn->map_full_ = false;
      return Status::OK();
    }
    UnlockShared();
    if (rc != MDB_MAP_RESIZED || attempt >= 3) return FromLmdb(rc, "mdb_txn_begin");
    // Another process grew the map: adopt its size (0 = the size recorded in the file).
    SLUICE_RETURN_IF_ERROR(SetMapSize(0));
  }
}

Status Env::BeginRead(Txn* txn) { return Begin(true, txn); }
Status Env::BeginWrite(Txn* txn) { return Begin(false, txn); }

Status Env::SetMapSize(uint64_t bytes, int wait_ms) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return !resizing_; });
  resizing_ = true;
  bool idle = cv_.wait_for(l, std::chrono::milliseconds(wait_ms), [this] { return active_ == 0; });
  Status s;
  if (!idle) {
    s = Status::IOError(fmt::format(
        "cannot grow the map of '{}': {} transactions of this process stay open", dir_, active_));
  } else {
    s = FromLmdb(mdb_env_set_mapsize(env_, bytes), "mdb_env_set_mapsize");
    NoteMap();
  }
  resizing_ = false;
  cv_.notify_all();
  return s;
}

void Env::NoteMap() {
  // LMDB does not tell where it mapped the file (me_mapaddr is set only for MDB_FIXEDMAP): find
  // the mapping of the data file's inode among the process's mappings.
  map_addr_ = nullptr;
  map_len_ = 0;
  mdb_filehandle_t fd;
  struct stat st;
  if (mdb_env_get_fd(env_, &fd) != MDB_SUCCESS || ::fstat(fd, &st) != 0) return;
  fd_ = fd;
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return;
  char line[4096];
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    unsigned long long begin = 0, end = 0, offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    if (std::sscanf(line, "%llx-%llx %*s %llx %x:%x %llu", &begin, &end, &offset, &major, &minor,
                    &inode) == 6 &&
        offset == 0 && inode == st.st_ino && makedev(major, minor) == st.st_dev) {
      map_addr_ = reinterpret_cast<const char*>(begin);
      map_len_ = end - begin;
      break;
    }
  }
  std::fclose(maps);
}

std::string_view Txn::CopyValue(std::string_view value, std::vector<uint64_t>* buf) const {
  const char* base = env_ != nullptr ? env_->map_addr_ : nullptr;
  if (!read_only_ || base == nullptr || env_->fd_ < 0 || value.data() < base ||
      value.size() > env_->map_len_ ||
      static_cast<uint64_t>(value.data() - base) > env_->map_len_ - value.size()) {
    return value;
  }
  buf->resize((value.size() + 7) / 8);
  char* dst = reinterpret_cast<char*>(buf->data());
  const off_t offset = static_cast<off_t>(value.data() - base);
  size_t done = 0;
  while (done < value.size()) {
    const ssize_t n =
        ::pread(env_->fd_, dst + done, value.size() - done, offset + static_cast<off_t>(done));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return value;
    }
    done += static_cast<size_t>(n);
  }
  return std::string_view(dst, value.size());
}

uint64_t Env::map_size() {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

uint32_t Env::page_size() {
  MDB_stat st;
  mdb_env_stat(env_, &st);
  return st.ms_psize;
}

uint64_t Env::used_bytes() {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return (uint64_t{info.me_last_pgno} + 1) * page_size();
}

Status Env::SetNoSync(bool no_sync) {
  return FromLmdb(mdb_env_set_flags(env_, MDB_NOSYNC, no_sync ? 1 : 0), "mdb_env_set_flags");
}

Status Env::Sync() {
  int rc = mdb_env_sync(env_, 1);
  return IsWriteError(rc) ? DescribeWriteError(rc, dir_, "mdb_env_sync")
                          : FromLmdb(rc, "mdb_env_sync");
}

// ---- Txn ----

Txn::Txn(Txn&& o) noexcept
    : env_(o.env_), txn_(o.txn_), read_only_(o.read_only_), map_full_(o.map_full_) {
  o.txn_ = nullptr;
  o.env_ = nullptr;
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    Abort();
    env_ = o.env_;
    txn_ = o.txn_;
    read_only_ = o.read_only_;
    map_full_ = o.map_full_;
    o.txn_ = nullptr;
    o.env_ = nullptr;
  }
  return *this;
}

Status Txn::Check(int rc, const char* what) {
  if (rc == MDB_MAP_FULL) map_full_ = true;
  if (!read_only_ && IsWriteError(rc)) return DescribeWriteError(rc, env_->dir(), what);
  return FromLmdb(rc, what);
}

Status Txn::Commit() {
  if (!txn_) return Status::Internal("commit of an inactive transaction");
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  env_->UnlockShared();
  return Check(rc, "mdb_txn_commit");
}

void Txn::Abort() {
  if (!txn_) return;
  mdb_txn_abort(txn_);
  txn_ = nullptr;
  env_->UnlockShared();
}

Status Txn::OpenDbi(const char* name, bool create, Dbi* dbi) {
  MDB_dbi d;
  int rc = mdb_dbi_open(txn_, name, create ? MDB_CREATE : 0, &d);
  if (rc == MDB_NOTFOUND) return Status::NotFound(fmt::format("no database '{}' in the log", name));
  SLUICE_RETURN_IF_ERROR(Check(rc, "mdb_dbi_open"));
  *dbi = d;
  return Status::OK();
}

Status Txn::Get(Dbi dbi, std::string_view key, std::string_view* value) {
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_SUCCESS) *value = FromVal(v);
  return rc == MDB_NOTFOUND ? Status::NotFound("key not found") : Check(rc, "mdb_get");
}

Status Txn::Put(Dbi dbi, std::string_view key, std::string_view value, uint32_t flags) {
  MDB_val k = ToVal(key), v = ToVal(value);
  return Check(mdb_put(txn_, dbi, &k, &v, ToMdbFlags(flags)), "mdb_put");
}

Status Txn::Reserve(Dbi dbi, std::string_view key, size_t size, char** dst, uint32_t flags) {
  MDB_val k = ToVal(key), v{size, nullptr};
  int rc = mdb_put(txn_, dbi, &k, &v, ToMdbFlags(flags) | MDB_RESERVE);
  if (rc == MDB_SUCCESS) *dst = static_cast<char*>(v.mv_data);
  return Check(rc, "mdb_put");
}

Status Txn::Del(Dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  return rc == MDB_NOTFOUND ? Status::NotFound("key not found") : Check(rc, "mdb_del");
}

Status Txn::Stat(Dbi dbi, DbStat* stat) {
  MDB_stat st;
  SLUICE_RETURN_IF_ERROR(Check(mdb_stat(txn_, dbi, &st), "mdb_stat"));
  stat->entries = st.ms_entries;
  stat->pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
  stat->depth = st.ms_depth;
  return Status::OK();
}

// ---- Cursor ----

Cursor::~Cursor() { Close(); }

Cursor::Cursor(Cursor&& o) noexcept
    : cursor_(o.cursor_), valid_(o.valid_), key_(o.key_), value_(o.value_), status_(o.status_) {
  o.cursor_ = nullptr;
  o.valid_ = false;
}

Cursor& Cursor::operator=(Cursor&& o) noexcept {
  if (this != &o) {
    Close();
    cursor_ = o.cursor_;
    valid_ = o.valid_;
    key_ = o.key_;
    value_ = o.value_;
    status_ = o.status_;
    o.cursor_ = nullptr;
    o.valid_ = false;
  }
  return *this;
}

void Cursor::Close() {
  if (cursor_) mdb_cursor_close(cursor_);
  cursor_ = nullptr;
  valid_ = false;
}

Status Cursor::Open(Txn* txn, Dbi dbi) {
  Close();
  status_ = Status::OK();
  return FromLmdb(mdb_cursor_open(txn->get(), dbi, &cursor_), "mdb_cursor_open");
}

bool Cursor::Move(int op, std::string_view seek) {
  MDB_val k = ToVal(seek), v;
  int rc = mdb_cursor_get(cursor_, &k, &v, static_cast<MDB_cursor_op>(op));
  valid_ = rc == MDB_SUCCESS;
  if (valid_) {
    key_ = FromVal(k);
    value_ = FromVal(v);
  } else if (rc != MDB_NOTFOUND) {
    status_ = FromLmdb(rc, "mdb_cursor_get");
  }
  return valid_;
}

bool Cursor::First() { return Move(MDB_FIRST, {}); }
bool Cursor::Last() { return Move(MDB_LAST, {}); }
bool Cursor::Seek(std::string_view key) { return Move(MDB_SET_RANGE, key); }
bool Cursor::Next() { return Move(MDB_NEXT, {}); }
bool Cursor::Prev() { return Move(MDB_PREV, {}); }

Status Cursor::Del() {
  valid_ = false;
  return FromLmdb(mdb_cursor_del(cursor_, 0), "mdb_cursor_del");
}

}  // namespace sluice::lmdb
