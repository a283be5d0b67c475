#pragma once
// Writing the Prometheus text exposition format (0.0.4): metric families with their HELP and
// TYPE lines, label values escaped. Shared by core/metrics_text.hpp and bus/prometheus.hpp.

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams::detail {

inline void prom_escape(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

inline void prom_number(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

// One metric family: its HELP and TYPE lines, then samples added with `sample`.
class prom_family {
 public:
  prom_family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
      : out_(out), name_(name) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::initializer_list<std::pair<std::string_view, std::string_view>> labels, double v) {
    out_ += name_;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, val] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        prom_escape(out_, val);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    prom_number(out_, v);
    out_ += '\n';
  }

 private:
  std::string& out_;
  std::string_view name_;
};

}  // namespace rstreams::detail
