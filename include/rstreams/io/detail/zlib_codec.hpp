#pragma once
// Streaming gzip over zlib: an inflater that reads concatenated members and refuses a
// truncated one, and a deflater that emits fixed-size compressed chunks.

#include <rstreams/core/error.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/detail/gzip_hook.hpp>

#include <zlib.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::detail {

// zlib's state points back at its z_stream, so the stream lives on the heap and the codec
// objects stay movable.
struct z_inflate_deleter {
  void operator()(z_stream* z) const noexcept {
    inflateEnd(z);
    delete z;
  }
};
struct z_deflate_deleter {
  void operator()(z_stream* z) const noexcept {
    deflateEnd(z);
    delete z;
  }
};

inline constexpr std::size_t zlib_chunk = 64 * 1024;

class inflater {
 public:
  explicit inflater(std::string source, std::string stage = "gunzip")
      : source_(std::move(source)), stage_(std::move(stage)) {}

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    std::size_t pos = 0;
    if (!z_) init();
    if (out_.size() != zlib_chunk) out_.resize(zlib_chunk);
    for (;;) {
      if (!in_member_) {
        if (pos == in.size()) return pos;
        if (inflateReset(z_.get()) != Z_OK) fail("cannot reset the inflater");
        in_member_ = true;
      }
      z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
      z_->avail_in = static_cast<uInt>(in.size() - pos);
      z_->next_out = reinterpret_cast<Bytef*>(out_.data());
      z_->avail_out = static_cast<uInt>(out_.size());
      const int ret = inflate(z_.get(), Z_NO_FLUSH);
      const std::size_t consumed = (in.size() - pos) - z_->avail_in;
      const std::size_t produced = out_.size() - z_->avail_out;
      pos += consumed;
      offset_ += consumed;
      if (ret == Z_STREAM_END) {
        in_member_ = false;
      } else if (ret == Z_BUF_ERROR) {
        if (produced == 0 && consumed == 0) return pos;
      } else if (ret != Z_OK) {
        fail(z_->msg != nullptr ? z_->msg : "corrupt gzip data");
      }
      if (produced != 0 && !emit(std::string(out_.data(), produced))) return pos;
      if (ret != Z_STREAM_END && pos == in.size() && z_->avail_out != 0) return pos;
    }
  }

  /// Drains what zlib still holds; a member left open means the input was cut short.
  template <class Emit>
  bool finish(Emit& emit) {
    if (in_member_ && z_) {
      bool stopped = false;
      auto guarded = [&](std::string&& s) {
        const bool go = emit(std::move(s));
        if (!go) stopped = true;
        return go;
      };
      decode(std::string_view{}, guarded);
      if (stopped && in_member_) return false;
      if (in_member_) fail("truncated gzip stream (the input ended inside a member)");
    }
    return true;
  }

  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

 private:
  void init() {
    z_.reset(new z_stream{});
    if (inflateInit2(z_.get(), 16 + MAX_WBITS) != Z_OK) {
      z_.reset();
      throw error("rstreams: " + stage_ + ": cannot initialise zlib");
    }
  }
  [[noreturn]] void fail(const std::string& reason) const {
    throw codec_error(stage_, source_, 0, offset_, reason);
  }

  std::string source_;
  std::string stage_;
  std::unique_ptr<z_stream, z_inflate_deleter> z_;
  std::string out_;
  std::size_t offset_ = 0;
  bool in_member_ = false;
};

class deflater {
 public:
  explicit deflater(int level, std::size_t chunk = zlib_chunk) : level_(level), chunk_(chunk) {}

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    if (!z_) init();
    std::size_t pos = 0;
    while (pos < in.size()) {
      z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
      z_->avail_in = static_cast<uInt>(in.size() - pos);
      z_->next_out = reinterpret_cast<Bytef*>(out_.data() + used_);
      z_->avail_out = static_cast<uInt>(out_.size() - used_);
      deflate(z_.get(), Z_NO_FLUSH);
      pos = in.size() - z_->avail_in;
      used_ = out_.size() - z_->avail_out;
      if (used_ == out_.size() && !emit_full(emit)) return pos;
    }
    return pos;
  }

  template <class Emit>
  bool finish(Emit& emit) {
    if (!z_) init();
    while (!finished_) {
      z_->next_in = nullptr;
      z_->avail_in = 0;
      z_->next_out = reinterpret_cast<Bytef*>(out_.data() + used_);
      z_->avail_out = static_cast<uInt>(out_.size() - used_);
      const int ret = deflate(z_.get(), Z_FINISH);
      used_ = out_.size() - z_->avail_out;
      if (ret == Z_STREAM_END) {
        finished_ = true;
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        throw error("rstreams: gzip: deflate failed");
      }
      if (used_ == out_.size() || (finished_ && used_ != 0)) {
        if (!emit_full(emit) && !finished_) return false;
      }
    }
    return true;
  }

 private:
  template <class Emit>
  bool emit_full(Emit& emit) {
    std::string full(out_.data(), used_);
    used_ = 0;
    return emit(std::move(full));
  }
  void init() {
    z_.reset(new z_stream{});
    if (deflateInit2(z_.get(), level_, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      z_.reset();
      throw config_error("rstreams::gzip: zlib refused compression level " + std::to_string(level_));
    }
    out_.resize(chunk_);
  }

  int level_;
  std::size_t chunk_;
  std::unique_ptr<z_stream, z_deflate_deleter> z_;
  std::string out_;
  std::size_t used_ = 0;
  bool finished_ = false;
};

// The gzip codecs for read_file and write_file (see gzip_hook.hpp): registered in every
// program that includes this header.
template <class Codec>
class file_codec_of final : public file_codec {
 public:
  template <class... A>
  explicit file_codec_of(A&&... a) : c_(std::forward<A>(a)...) {}
  std::size_t decode(std::string_view in, const emit_fn& emit) override { return c_.decode(in, emit); }
  bool finish(const emit_fn& emit) override { return c_.finish(emit); }

 private:
  Codec c_;
};

inline const gzip_file_codecs zlib_file_codecs{
    [](std::string source, std::string stage) -> std::unique_ptr<file_codec> {
      return std::make_unique<file_codec_of<inflater>>(std::move(source), std::move(stage));
    },
    [](int level) -> std::unique_ptr<file_codec> {
      return std::make_unique<file_codec_of<deflater>>(level);
    }};

inline const bool zlib_file_codecs_registered = (gzip_file_codecs_slot() = &zlib_file_codecs, true);

}  // namespace rstreams::detail
