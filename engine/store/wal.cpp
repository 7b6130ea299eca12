#include "engine/store/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace weft::store::detail {
namespace {

constexpr std::size_t kHeader = 16;
constexpr std::size_t kOpHeader = 10;
// Zero-filled ahead of the appends (sync logs), so that an append's flush overwrites blocks the
// file already has instead of also committing a new size to the file system's journal.
constexpr std::uint64_t kExtendStep = 8u << 20;

std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
std::uint64_t get_le(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Decodes a record's payload; false when it is malformed (a checksum collision or a bug).
bool decode_ops(const char* p, std::size_t n, std::vector<LogOp>& ops) {
  std::size_t at = 0;
  while (at < n) {
    if (n - at < kOpHeader) return false;
    unsigned kind = static_cast<unsigned char>(p[at]);
    unsigned ks = static_cast<unsigned char>(p[at + 1]);
    std::uint64_t klen = get_le(p + at + 2, 4), vlen = get_le(p + at + 6, 4);
    at += kOpHeader;
    if ((kind != 1 && kind != 2) || ks >= keyspace_count || klen > n - at || vlen > n - at - klen)
      return false;
    LogOp op;
    op.del = kind == 2;
    op.ks = static_cast<Keyspace>(ks);
    op.key.assign(p + at, klen);
    op.value.assign(p + at + klen, vlen);
    at += klen + vlen;
    ops.push_back(std::move(op));
  }
  return true;
}

#if defined(__x86_64__)
// The SSE4.2 instruction computes the same polynomial 8 bytes at a time.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const unsigned char* p, std::size_t n, std::uint32_t crc) {
  std::uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = __builtin_ia32_crc32di(c, word);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, *p);
  return c32;
}
#endif

}  // namespace

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return ~crc32c_sse42(p, n, crc);
#endif
  static const auto table = make_table();
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

WriteAheadLog::WriteAheadLog(int fd, std::string path, bool sync, std::uint64_t size)
    : fd_(fd), path_(std::move(path)), sync_(sync), size_(size) {}

WriteAheadLog::~WriteAheadLog() { ::close(fd_); }

Result<std::unique_ptr<WriteAheadLog>> WriteAheadLog::open(const std::string& path, bool sync) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Errc::io, errno_text("cannot open the write-ahead log", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s(Errc::io, errno_text("cannot read the write-ahead log", path));
    ::close(fd);
    return s;
  }
  return std::unique_ptr<WriteAheadLog>(
      new WriteAheadLog(fd, path, sync, static_cast<std::uint64_t>(st.st_size)));
}

Result<std::vector<LogRecord>> WriteAheadLog::recover(std::uint64_t checkpoint) const {
  std::string file(size_, '\0');
  std::size_t got = 0;
  while (got < file.size()) {
    ssize_t n = ::pread(fd_, file.data() + got, file.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Errc::io, errno_text("cannot read the write-ahead log", path_));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  file.resize(got);
  std::vector<LogRecord> out;
  std::uint64_t prev = 0;
  std::size_t at = 0;
  while (file.size() - at >= kHeader) {
    const char* h = file.data() + at;
    std::uint64_t len = get_le(h, 4), seq = get_le(h + 8, 8);
    if (len > file.size() - at - kHeader || seq == 0 || (prev != 0 && seq != prev + 1)) break;
    std::uint32_t crc = crc32c(h + 8, 8 + len);
    if (crc != static_cast<std::uint32_t>(get_le(h + 4, 4))) break;
    if (seq > checkpoint) {
      if (out.empty() && seq != checkpoint + 1)
        return Status(Errc::io, "the write-ahead log " + path_ + " does not continue the data file (its record " +
                                    std::to_string(seq) + " follows checkpoint " + std::to_string(checkpoint) +
                                    "); move it away only if the data file was restored on purpose");
      LogRecord r;
      r.seq = seq;
      if (!decode_ops(h + kHeader, len, r.ops))
        return Status(Errc::io, "malformed record " + std::to_string(seq) + " in the write-ahead log " + path_);
      out.push_back(std::move(r));
    }
    prev = seq;
    at += kHeader + len;
  }
  return out;
}

bool WriteAheadLog::may_follow(std::uint64_t checkpoint) const {
  char h[kHeader];
  if (::pread(fd_, h, kHeader, 0) != static_cast<ssize_t>(kHeader)) return false;
  return get_le(h + 8, 8) > checkpoint;
}

Status WriteAheadLog::extend(std::uint64_t needed) {
  static const std::string zeros(1u << 20, '\0');
  std::uint64_t target = needed + kExtendStep - needed % kExtendStep;
  for (std::uint64_t at = size_; at < target;) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), target - at));
    ssize_t w = ::pwrite(fd_, zeros.data(), n, static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Status(Errc::io, errno_text("cannot extend the write-ahead log", path_));
    at += static_cast<std::uint64_t>(w);
  }
  if (::fsync(fd_) != 0) return Status(Errc::io, errno_text("cannot flush the write-ahead log", path_));
  size_ = target;
  return {};
}

Status WriteAheadLog::append(std::uint64_t seq, const std::vector<LogOp>& ops) {
  buffer_.clear();
  buffer_.resize(8);  // length and checksum, filled in below
  put64(buffer_, seq);
  for (const auto& op : ops) {
    buffer_.push_back(static_cast<char>(op.del ? 2 : 1));
    buffer_.push_back(static_cast<char>(op.ks));
    put32(buffer_, static_cast<std::uint32_t>(op.key.size()));
    put32(buffer_, static_cast<std::uint32_t>(op.value.size()));
    buffer_ += op.key;
    buffer_ += op.value;
  }
  std::string head;
  put32(head, static_cast<std::uint32_t>(buffer_.size() - kHeader));
  put32(head, crc32c(buffer_.data() + 8, buffer_.size() - 8));
  std::memcpy(buffer_.data(), head.data(), 8);
  // A zero header after the record ends the log for a reader even where older records follow.
  buffer_.append(kHeader, '\0');
  if (sync_ && offset_ + buffer_.size() > size_)
    if (auto s = extend(offset_ + buffer_.size()); !s.ok()) return s;
  for (std::size_t done = 0; done < buffer_.size();) {
    ssize_t w = ::pwrite(fd_, buffer_.data() + done, buffer_.size() - done, static_cast<off_t>(offset_ + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Status(Errc::io, errno_text("cannot write the write-ahead log", path_));
    done += static_cast<std::size_t>(w);
  }
  if (sync_ && ::fdatasync(fd_) != 0)
    return Status(Errc::io, errno_text("cannot flush the write-ahead log", path_));
  offset_ += buffer_.size() - kHeader;
  if (!sync_) size_ = std::max(size_, offset_ + kHeader);
  return {};
}

}  // namespace weft::store::detail
