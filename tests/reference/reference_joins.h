// A brute-force oracle for the join operators (operators/join_operator.h), written from the
// contract and docs/semantics.md alone and sharing no code with the engine. It takes the whole
// input as one sequence of rows of both sides in source order, computes every row's watermark
// itself from the bound, and enumerates the expected results over all pairs of rows: no panes,
// no buffers, no eviction. Slow (quadratic) and meant to be obviously right.
//
// Rules it encodes:
//   * W before a row = (largest event time among all earlier rows of either side) - bound - 1us,
//     and -infinity before the first row; after the last row the same formula, then +infinity.
//     "W reaches t" means W is not -infinity and t <= W.
//   * Rows are taken in the contract's order: by W, left before right on ties, otherwise in
//     source order. Only sessions depend on that order.
//   * Window join (tumbling, sliding): a row counts in each window containing it whose end - 1
//     W has not reached; with no such window it is late. Each window yields every pair of a left
//     and a right row with the same non-null key counting in it: ts = end - 1, wm = the first
//     watermark of the sequence (each row's W, the final W, +infinity) that reaches end - 1.
//   * Session join: per non-null key, in the order above, a row's window [t, t + gap) merges
//     with every open session it touches, directly or through other merged sessions; with none,
//     it is late if W reaches t + gap - 1, else it opens a session. Before each row (and after
//     the last, at the final W then +infinity) every session whose end - 1 the row's W reaches
//     closes, yielding its pairs with wm = that W and ts = end - 1. A null-keyed row is late
//     when W reaches t + gap - 1 and yields nothing otherwise.
//   * Interval join: a row is late when W reaches its ts. Every pair of non-late rows with the
//     same non-null key and l.ts + lower <= r.ts <= l.ts + upper is a result with ts =
//     max(l.ts, r.ts) and wm = max(W_l, W_r). For outer sides, a non-late row without a partner
//     is a result alone at D = l.ts + upper (left) or r.ts - lower (right): ts = max(ts, D), wm =
//     its own W if that reaches D, else the first watermark after it in the order above that
//     reaches D.
//   * Regular join (inner): nothing is late. A left and a right row with the same non-null key
//     are a result, with ts = max(l.ts, r.ts) and wm = max(W_l, W_r), unless one of them, e,
//     has the smaller W and the other's W reaches e.ts + ttl of e's side (a ttl of 0: never).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::reference {

struct JoinEvent {
  int side = 0;                    // 0 = left, 1 = right
  std::optional<std::string> key;  // nullopt when a key field is null
  int64_t ts = 0;                  // microseconds
  size_t id = 0;                   // the caller's identifier of the row
};

struct JoinSpec {
  enum Kind { kTumbling, kSliding, kSession, kInterval, kRegular };
  Kind kind = kTumbling;
  int64_t size = 0, slide = 0, gap = 0;  // windows (slide == size for tumbling)
  int64_t lower = 0, upper = 0;          // interval
  int64_t ttl[2] = {0, 0};               // regular: per side, 0 = rows stay for the whole run
  bool left_alone = false;               // left/full outer: unmatched left rows are results
  bool right_alone = false;              // right/full outer
};

struct JoinRow {
  std::optional<size_t> left, right;  // row ids; nullopt = the null side of an outer row
  int64_t start = 0, end = 0;         // window joins: the window (microseconds)
  int64_t ts = 0;
  int64_t wm = 0;
};

struct JoinResult {
  std::vector<JoinRow> rows;    // in no particular order
  std::vector<size_t> late[2];  // ids of late rows per side, in source order
};

namespace join_internal {

constexpr int64_t kNegInf = std::numeric_limits<int64_t>::min();
constexpr int64_t kPosInf = std::numeric_limits<int64_t>::max();

inline bool Reaches(int64_t w, int64_t t) { return w != kNegInf && t <= w; }

inline int64_t Floor(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The first value of seq[from...] that reaches t (seq ends with +infinity).
inline int64_t FirstReaching(const std::vector<int64_t>& seq, size_t from, int64_t t) {
  for (size_t i = from; i < seq.size(); ++i) {
    if (Reaches(seq[i], t)) return seq[i];
  }
  return kPosInf;
}

}  // namespace join_internal

inline JoinResult RunJoinReference(const std::vector<JoinEvent>& events, int64_t bound,
                                   const JoinSpec& spec) {
  using namespace join_internal;
  const size_t n = events.size();
  // Watermarks in source order.
  std::vector<int64_t> w(n);
  int64_t max_ts = kNegInf;
  for (size_t i = 0; i < n; ++i) {
    w[i] = max_ts == kNegInf ? kNegInf : max_ts - bound - 1;
    max_ts = std::max(max_ts, events[i].ts);
  }
  const int64_t final_w = max_ts == kNegInf ? kNegInf : max_ts - bound - 1;
  // The contract's order.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (w[a] != w[b]) return w[a] < w[b];
    return events[a].side < events[b].side;
  });
  // The watermark sequence in that order, then the final one and +infinity.
  std::vector<int64_t> seq;
  for (size_t i : order) seq.push_back(w[i]);
  seq.push_back(final_w);
  seq.push_back(kPosInf);

  JoinResult out;
  std::vector<bool> late(n, false);

  if (spec.kind == JoinSpec::kTumbling || spec.kind == JoinSpec::kSliding) {
    const int64_t slide = spec.kind == JoinSpec::kTumbling ? spec.size : spec.slide;
    // Window starts each row counts in.
    std::vector<std::vector<int64_t>> counts_in(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = events[i].ts;
      for (int64_t s = Floor(t, slide) * slide; s + spec.size > t; s -= slide) {
        if (!Reaches(w[i], s + spec.size - 1)) counts_in[i].push_back(s);
      }
      late[i] = counts_in[i].empty();
    }
    for (size_t a = 0; a < n; ++a) {
      if (events[a].side != 0 || late[a] || !events[a].key) continue;
      for (size_t b = 0; b < n; ++b) {
        if (events[b].side != 1 || late[b] || events[b].key != events[a].key) continue;
        for (int64_t s : counts_in[a]) {
          if (std::find(counts_in[b].begin(), counts_in[b].end(), s) == counts_in[b].end()) {
            continue;
          }
          const int64_t end = s + spec.size;
          out.rows.push_back(
              {events[a].id, events[b].id, s, end, end - 1, FirstReaching(seq, 0, end - 1)});
        }
      }
    }
  } else if (spec.kind == JoinSpec::kSession) {
    struct Session {
      int64_t start, end;
      std::vector<size_t> rows[2];
    };
    std::map<std::string, std::vector<Session>> open;
    auto close_reached = [&](int64_t wm) {
      for (auto& [key, list] : open) {
        std::vector<Session> keep;
        for (Session& s : list) {
          if (!Reaches(wm, s.end - 1)) {
            keep.push_back(std::move(s));
            continue;
          }
          for (size_t l : s.rows[0]) {
            for (size_t r : s.rows[1]) {
              out.rows.push_back({events[l].id, events[r].id, s.start, s.end, s.end - 1, wm});
            }
          }
        }
        list = std::move(keep);
      }
    };
    for (size_t i : order) {
      close_reached(w[i]);
      const JoinEvent& e = events[i];
      if (!e.key) {
        late[i] = Reaches(w[i], e.ts + spec.gap - 1);
        continue;
      }
      std::vector<Session>& list = open[*e.key];
      Session cur{e.ts, e.ts + spec.gap, {}};
      cur.rows[e.side].push_back(i);
      bool merged_any = false;
      for (bool merged = true; merged;) {
        merged = false;
        for (size_t k = 0; k < list.size(); ++k) {
          if (list[k].start <= cur.end && list[k].end >= cur.start) {
            cur.start = std::min(cur.start, list[k].start);
            cur.end = std::max(cur.end, list[k].end);
            for (int s = 0; s < 2; ++s) {
              cur.rows[s].insert(cur.rows[s].end(), list[k].rows[s].begin(), list[k].rows[s].end());
            }
            list.erase(list.begin() + static_cast<long>(k));
            merged = merged_any = true;
            break;
          }
        }
      }
      if (!merged_any && Reaches(w[i], e.ts + spec.gap - 1)) {
        late[i] = true;
        continue;
      }
      list.push_back(std::move(cur));
    }
    close_reached(final_w);
    close_reached(kPosInf);
  } else if (spec.kind == JoinSpec::kRegular) {
    // Whether row e is gone from the state when a row with watermark `later` arrives.
    auto expired = [&](size_t e, int64_t later) {
      const int64_t ttl = spec.ttl[events[e].side];
      return w[e] < later && ttl != 0 && Reaches(later, events[e].ts + ttl);
    };
    for (size_t a = 0; a < n; ++a) {
      if (events[a].side != 0 || !events[a].key) continue;
      for (size_t b = 0; b < n; ++b) {
        if (events[b].side != 1 || events[b].key != events[a].key) continue;
        const int64_t wm = std::max(w[a], w[b]);
        if (expired(a, wm) || expired(b, wm)) continue;
        out.rows.push_back(
            {events[a].id, events[b].id, 0, 0, std::max(events[a].ts, events[b].ts), wm});
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) late[i] = Reaches(w[i], events[i].ts);
    std::vector<bool> partnered(n, false);
    for (size_t a = 0; a < n; ++a) {
      if (events[a].side != 0 || late[a] || !events[a].key) continue;
      for (size_t b = 0; b < n; ++b) {
        if (events[b].side != 1 || late[b] || events[b].key != events[a].key) continue;
        const int64_t lt = events[a].ts, rt = events[b].ts;
        if (lt + spec.lower <= rt && rt <= lt + spec.upper) {
          out.rows.push_back(
              {events[a].id, events[b].id, 0, 0, std::max(lt, rt), std::max(w[a], w[b])});
          partnered[a] = partnered[b] = true;
        }
      }
    }
    for (size_t p = 0; p < n; ++p) {
      const size_t i = order[p];
      const JoinEvent& e = events[i];
      if (late[i] || partnered[i]) continue;
      if (!(e.side == 0 ? spec.left_alone : spec.right_alone)) continue;
      const int64_t d = e.side == 0 ? e.ts + spec.upper : e.ts - spec.lower;
      const int64_t wm = Reaches(w[i], d) ? w[i] : FirstReaching(seq, p + 1, d);
      JoinRow row;
      (e.side == 0 ? row.left : row.right) = e.id;
      row.ts = std::max(e.ts, d);
      row.wm = wm;
      out.rows.push_back(row);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (late[i]) out.late[events[i].side].push_back(events[i].id);
  }
  return out;
}

}  // namespace sluice::reference
