#pragma once
// Cuts bytes into lines ("\n" or "\r\n"), keeping a line that spans chunk boundaries.

#include <rstreams/io/codec_error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace rstreams::detail {

class line_splitter {
 public:
  line_splitter(std::string source, std::size_t max_line, std::string_view stage = "split_lines")
      : source_(std::move(source)), max_line_(max_line), stage_(stage) {}

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    std::size_t pos = 0;
    while (pos < in.size()) {
      const std::size_t nl = in.find('\n', pos);
      if (nl == std::string_view::npos) {
        check_length(partial_.size() + (in.size() - pos), line_ + 1);
        partial_.append(in.substr(pos));
        return in.size();
      }
      std::string_view piece = in.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_;
      bool go;
      if (partial_.empty()) {
        if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
        check_length(piece.size(), line_);
        go = emit(std::string(piece));
      } else {
        partial_.append(piece);
        if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
        check_length(partial_.size(), line_);
        go = emit(std::move(partial_));
        partial_.clear();
      }
      if (!go) return pos;
    }
    return pos;
  }

  /// The last line when the input does not end with a newline.
  template <class Emit>
  bool finish(Emit& emit) {
    if (!partial_.empty()) {
      ++line_;
      if (partial_.back() == '\r') partial_.pop_back();
      std::string last = std::move(partial_);
      partial_.clear();
      emit(std::move(last));
    }
    return true;
  }

  /// Starts over for a new input (a new file): the line count restarts too.
  void reset(std::string source) {
    source_ = std::move(source);
    partial_.clear();
    line_ = 0;
  }

  [[nodiscard]] std::size_t lines() const noexcept { return line_; }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] bool has_partial() const noexcept { return !partial_.empty(); }

 private:
  void check_length(std::size_t n, std::size_t line) const {
    if (max_line_ != 0 && n > max_line_)
      throw codec_error(stage_, source_, line, max_line_ + 1,
                        "line longer than the limit of " + std::to_string(max_line_) +
                            " bytes (raise it with the options' max_line; 0 lifts it)");
  }

  std::string source_;
  std::size_t max_line_;
  std::string_view stage_;
  std::string partial_;
  std::size_t line_ = 0;
};

}  // namespace rstreams::detail
