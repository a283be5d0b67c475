// Codec and connector throughput against plain loops doing the same work, in the same run.
//
//   json_lines_parse      parse() over in-memory JSON lines vs a loop calling the same
//                         nlohmann parser on the same lines (goal: >= 90% of the loop)
//   csv_parse             csv_parse() over 64 KiB chunks vs a naive split on '\n' and ','
//                         (same records: the data has no quoted fields)
//   gzip_jsonl_pipeline   read .gz -> split_lines -> parse -> filter -> stringify -> gzip ->
//                         file, over a generated ~100 MB file in /tmp, vs a hand loop with
//                         zlib's gzread/gzwrite; benchmarks/peers/io_pipeline.js does the same
//                         with Node.js streams.
//
// The generated input lives in $RSTREAMS_BENCH_TMP (default /tmp/rstreams-io-bench), never in
// the repository. Before measuring, each group's variants run once and must agree.
#include <rstreams/core/run.hpp>
#include <rstreams/io/csv_parse.hpp>
#include <rstreams/io/gunzip.hpp>
#include <rstreams/io/gzip.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_file.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/io/stringify.hpp>
#include <rstreams/io/write_file.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>

#include <benchmark/benchmark.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace rs = rstreams;
namespace fs = std::filesystem;
using json = nlohmann::json;

// The line generator shared (by formula) with benchmarks/peers/io_pipeline.js.
std::string make_line(std::int64_t i) {
  static const char* countries[] = {"NL", "DE", "FR", "US", "BR"};
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"id\":%lld,\"user\":\"user%lld\",\"amount_cents\":%lld,\"country\":\"%s\","
                "\"tags\":[\"alpha\",\"beta\",\"gamma\"],\"note\":\"the quick brown fox jumps over the lazy "
                "dog %lld\"}",
                static_cast<long long>(i), static_cast<long long>(i % 1000),
                static_cast<long long>((i * 7919) % 100000), countries[i % 5], static_cast<long long>(i));
  return buf;
}

constexpr std::int64_t pipeline_lines = 650'000;  // ~100 MB of JSON lines
constexpr std::int64_t keep_from = 50'000;        // filter: amount_cents >= keep_from

fs::path bench_dir() {
  const char* d = std::getenv("RSTREAMS_BENCH_TMP");
  fs::path p = d != nullptr ? d : "/tmp/rstreams-io-bench";
  fs::create_directories(p);
  return p;
}

fs::path pipeline_input() {
  const fs::path p = bench_dir() / "input.jsonl.gz";
  if (fs::exists(p)) return p;
  const fs::path tmp = bench_dir() / "input.jsonl.gz.tmp";
  gzFile f = gzopen(tmp.c_str(), "wb6");
  for (std::int64_t i = 0; i < pipeline_lines; ++i) {
    std::string line = make_line(i);
    line.push_back('\n');
    gzwrite(f, line.data(), static_cast<unsigned>(line.size()));
  }
  gzclose(f);
  fs::rename(tmp, p);
  return p;
}

// The uncompressed size of the pipeline's input, which its MB/s figures are relative to.
std::int64_t pipeline_bytes() {
  static const std::int64_t n = [] {
    std::int64_t total = 0;
    for (std::int64_t i = 0; i < pipeline_lines; ++i)
      total += static_cast<std::int64_t>(make_line(i).size()) + 1;
    return total;
  }();
  return n;
}

const std::vector<std::string>& parse_lines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> v;
    for (std::int64_t i = 0; i < 200'000; ++i) v.push_back(make_line(i));
    return v;
  }();
  return lines;
}

std::size_t total_bytes(const std::vector<std::string>& v) {
  std::size_t n = 0;
  for (const auto& s : v) n += s.size() + 1;
  return n;
}

std::int64_t parse_loop(const std::vector<std::string>& lines) {
  std::int64_t acc = 0;
  for (const auto& line : lines) acc += json::parse(line)["amount_cents"].get<std::int64_t>();
  return acc;
}

std::int64_t parse_rstreams(const std::vector<std::string>& lines) {
  return rs::run(lines | rs::parse() |
                 rs::transform([](const json& j) { return j["amount_cents"].get<std::int64_t>(); }) |
                 rs::sum());
}

void json_lines_parse_baseline(benchmark::State& state) {
  const auto& lines = parse_lines();
  for (auto _ : state) benchmark::DoNotOptimize(parse_loop(lines));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_bytes(lines)));
}

void json_lines_parse_rstreams(benchmark::State& state) {
  const auto& lines = parse_lines();
  for (auto _ : state) benchmark::DoNotOptimize(parse_rstreams(lines));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(lines.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total_bytes(lines)));
}

// CSV: 200k records, 5 fields, as 64 KiB chunks.
constexpr std::int64_t csv_records = 200'000;
const std::vector<std::string>& csv_chunks() {
  static const std::vector<std::string> chunks = [] {
    std::string text = "id,user,amount_cents,country,note\n";
    for (std::int64_t i = 0; i < csv_records; ++i)
      text += std::to_string(i) + ",user" + std::to_string(i % 1000) + "," +
              std::to_string((i * 7919) % 100000) + ",NL,the quick brown fox jumps over the lazy dog\n";
    std::vector<std::string> v;
    for (std::size_t p = 0; p < text.size(); p += 65536) v.push_back(text.substr(p, 65536));
    return v;
  }();
  return chunks;
}

std::size_t csv_naive(const std::vector<std::string>& chunks) {
  // Joins chunks at line ends, then splits every record into fields.
  std::size_t fields = 0;
  std::string carry;
  std::vector<std::string> record;
  bool header = true;
  auto line_done = [&](std::string_view line) {
    record.clear();
    std::size_t pos = 0;
    for (;;) {
      const auto c = line.find(',', pos);
      record.emplace_back(line.substr(pos, c == std::string_view::npos ? std::string_view::npos : c - pos));
      if (c == std::string_view::npos) break;
      pos = c + 1;
    }
    if (header) {
      header = false;
      return;
    }
    fields += record.size();
  };
  for (const auto& chunk : chunks) {
    std::string_view in = chunk;
    std::size_t pos = 0;
    for (;;) {
      const auto nl = in.find('\n', pos);
      if (nl == std::string_view::npos) {
        carry.append(in.substr(pos));
        break;
      }
      if (carry.empty()) {
        line_done(in.substr(pos, nl - pos));
      } else {
        carry.append(in.substr(pos, nl - pos));
        line_done(carry);
        carry.clear();
      }
      pos = nl + 1;
    }
  }
  return fields;
}

std::size_t csv_rstreams(const std::vector<std::string>& chunks) {
  return rs::run(chunks | rs::csv_parse() | rs::transform([](const rs::csv_row& r) { return r.size(); }) |
                 rs::sum());
}

void csv_parse_baseline(benchmark::State& state) {
  const auto& chunks = csv_chunks();
  for (auto _ : state) benchmark::DoNotOptimize(csv_naive(chunks));
  state.SetItemsProcessed(state.iterations() * csv_records);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chunks.size() * 65536));
}

void csv_parse_rstreams(benchmark::State& state) {
  const auto& chunks = csv_chunks();
  for (auto _ : state) benchmark::DoNotOptimize(csv_rstreams(chunks));
  state.SetItemsProcessed(state.iterations() * csv_records);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chunks.size() * 65536));
}

bool keep(const json& j) {
  return j["amount_cents"].get<std::int64_t>() >= keep_from;
}

std::size_t pipeline_rstreams(const fs::path& in, const fs::path& out) {
  const auto r =
      rs::run(rs::read_file(in, {.decompress = false}) | rs::gunzip() | rs::split_lines() | rs::parse() |
              rs::filter(keep) | rs::stringify() | rs::write_file(out, {.level = 6, .sync = false}));
  return r.items;
}

std::size_t pipeline_hand(const fs::path& in, const fs::path& out) {
  gzFile src = gzopen(in.c_str(), "rb");
  gzFile dst = gzopen(out.c_str(), "wb6");
  gzbuffer(src, 1 << 16);
  std::vector<char> buf(1 << 16);
  std::string carry;
  std::size_t kept = 0;
  auto line_done = [&](std::string_view line) {
    if (line.empty()) return;
    const json j = json::parse(line);
    if (!keep(j)) return;
    std::string s = j.dump();
    s.push_back('\n');
    gzwrite(dst, s.data(), static_cast<unsigned>(s.size()));
    ++kept;
  };
  for (;;) {
    const int n = gzread(src, buf.data(), static_cast<unsigned>(buf.size()));
    if (n <= 0) break;
    std::string_view in_view(buf.data(), static_cast<std::size_t>(n));
    std::size_t pos = 0;
    for (;;) {
      const auto nl = in_view.find('\n', pos);
      if (nl == std::string_view::npos) {
        carry.append(in_view.substr(pos));
        break;
      }
      if (carry.empty()) {
        line_done(in_view.substr(pos, nl - pos));
      } else {
        carry.append(in_view.substr(pos, nl - pos));
        line_done(carry);
        carry.clear();
      }
      pos = nl + 1;
    }
  }
  line_done(carry);
  gzclose(src);
  gzclose(dst);
  return kept;
}

void gzip_pipeline_baseline(benchmark::State& state) {
  const auto in = pipeline_input();
  const auto out = bench_dir() / "out-hand.jsonl.gz";
  for (auto _ : state) benchmark::DoNotOptimize(pipeline_hand(in, out));
  state.SetItemsProcessed(state.iterations() * pipeline_lines);
  state.SetBytesProcessed(state.iterations() * pipeline_bytes());
}

void gzip_pipeline_rstreams(benchmark::State& state) {
  const auto in = pipeline_input();
  const auto out = bench_dir() / "out-rstreams.jsonl.gz";
  for (auto _ : state) benchmark::DoNotOptimize(pipeline_rstreams(in, out));
  state.SetItemsProcessed(state.iterations() * pipeline_lines);
  state.SetBytesProcessed(state.iterations() * pipeline_bytes());
}

// Each group's variants must agree before anything is measured.
bool agree() {
  if (parse_loop(parse_lines()) != parse_rstreams(parse_lines())) {
    std::fprintf(stderr, "io_bench: json_lines_parse variants disagree\n");
    return false;
  }
  if (csv_naive(csv_chunks()) != csv_rstreams(csv_chunks())) {
    std::fprintf(stderr, "io_bench: csv_parse variants disagree\n");
    return false;
  }
  return true;
}

bool wants(int argc, char** argv, std::string_view group) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.rfind("--benchmark_filter=", 0) == 0)
      return a.find(group) != std::string_view::npos || a.find('.') != std::string_view::npos;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!agree()) return 1;
  if (wants(argc, argv, "gzip_jsonl_pipeline")) {
    const auto in = pipeline_input();
    const auto a = pipeline_hand(in, bench_dir() / "check-hand.jsonl.gz");
    const auto b = pipeline_rstreams(in, bench_dir() / "check-rstreams.jsonl.gz");
    if (a != b) {
      std::fprintf(stderr, "io_bench: gzip_jsonl_pipeline variants disagree (%zu vs %zu)\n", a, b);
      return 1;
    }
  }
  benchmark::RegisterBenchmark("json_lines_parse/baseline_plain_loop", json_lines_parse_baseline)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("json_lines_parse/rstreams", json_lines_parse_rstreams)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("csv_parse/baseline_naive_split", csv_parse_baseline)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("csv_parse/rstreams", csv_parse_rstreams)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gzip_jsonl_pipeline/baseline_hand_loop", gzip_pipeline_baseline)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  benchmark::RegisterBenchmark("gzip_jsonl_pipeline/rstreams", gzip_pipeline_rstreams)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
