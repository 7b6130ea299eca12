// The state-machine IR: what a .flow module compiles to and what the engine interprets.
//
// A flow is a graph of nodes with stable string ids. Control is structured: a node names its
// successor in `next` (empty = the end of its region); structured nodes (choice, fork, map, try)
// own regions — sub-graphs given by the id of their entry node (empty = an empty region). When a
// region ends, control returns to its owner, which continues at its own `next`.
//
// Ids: a step's id is its name (unique in the flow). Any other node's id is
// `[anchor "/"] kind ["." n]`, where anchor is the nearest preceding step in the same block, else
// the enclosing region (`<owner id>.<region>`), and n (from 2) counts nodes of the same kind under
// the same anchor. So editing code elsewhere in a flow leaves an id unchanged. At run time a node
// inside `map` bodies is recorded as `id[i]` (`id[i][j]` when nested).
//
// Values are boost::json values. Conventions: a duration is an int64 of milliseconds; a time is
// an RFC 3339 string; a secret is a string whose static type keeps it out of bodies and logs.
//
// Semantics the engine implements (docs/design-language.md §5–§7):
//  - start: the input object is validated against each Param's type (missing → default_value)
//    and bound to the param slots; every other slot starts as null.
//  - call / child_flow: a durable step. Evaluate the action's expressions, send it (retry policy
//    `retry`, else the connection's, else the flow's; `timeout` per attempt), record the result
//    in `slot`. A call's result is `{status, headers, body}`; `response` is checked against the
//    body only for 2xx statuses; a non-2xx status not in `accept_status` raises http_error.
//    Once completed, a step with `compensate` registers that action (evaluated later, when the
//    saga unwinds, with the slots as they were); compensations run in reverse completion order
//    when the flow fails with an uncaught error.
//  - assign: slot = value.  timer: wait `value` ms, or until the time `value`.
//  - wait_signal: wait for the signal `name`; its payload goes to `slot`; after `timeout` raise
//    `timeout`.  emit: durably publish event `name` with data `value` (null when absent).
//  - choice: with a `subject`, first store it in `slot`; then take the first edge whose guard
//    is true, else `otherwise`, else continue at `next`.
//  - fork: run every branch region concurrently; the first failure cancels the others; when all
//    end, continue at `next` (its join). Slots written in branches stay visible afterwards.
//  - map: for each element of `value` (a list), run the `body` region with `item_slot` (and
//    `index_slot`) bound — iterations run in their own copy of the slots, at most `concurrency`
//    at once (null: one at a time). `yield` ends an iteration with a value (null when the body
//    ends without one); `into_slot` receives the values in input order.
//  - try: run `body`; an error raised inside it (not inside a nested try that handles it) is
//    matched against `catches` in order: kind ("" = any), then `slot` = the error value, then
//    `where`. The first match runs its region and continues at the try's `next`; no match
//    propagates the error outward; outside every try the flow fails.
//  - succeed: the flow's output is `value` (null when absent), checked against the result type.
//    fail: raise `failure` {message: value, code/details from `details`}. Falling off the end of
//    the top-level region succeeds with null.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace weft::ir {

/// Version of the serialised form (the `"format"` key).
inline constexpr int64_t kFormatVersion = 1;

// ---------------------------------------------------------------- type descriptors

struct Field;

/// A type descriptor, complete enough to validate a json value at run time.
struct Type {
  enum class Kind {
    Json, Null, Bool, Int, Float, String, Duration, Time, Secret,  ///< scalars (Json = anything)
    List,      ///< args[0] = element
    Map,       ///< args[0] = value (string keys)
    Optional,  ///< args[0] = T; also admits null
    Union,     ///< args = members
    Literal,   ///< the string `name`
    Record,    ///< fields
    Ref,       ///< the named type `name` in Module::types
  };
  Kind kind = Kind::Json;
  std::string name;          ///< Literal: the string; Ref: the type's name
  std::vector<Type> args;    ///< List/Map/Optional: one; Union: members
  std::vector<Field> fields; ///< Record
};

/// A record field descriptor.
struct Field {
  std::string name;
  bool optional = false;
  Type type;
};

bool operator==(const Type& a, const Type& b);
bool operator==(const Field& a, const Field& b);

/// Scalar type helper: `scalar(Type::Kind::String)`.
Type scalar(Type::Kind kind);
/// `[T]`, `map<T>`, `T?`.
Type list_of(Type t);
Type map_of(Type t);
Type optional_of(Type t);
/// A reference to the named type `name`.
Type ref(std::string name);

/// `type Name { ... }` / `type Name = T`.
struct TypeDef {
  std::string name;
  Type type;
};

// ---------------------------------------------------------------- expressions

struct Expr;
/// Expressions are immutable once built and shared freely.
using ExprPtr = std::shared_ptr<const Expr>;

/// A compact expression tree evaluated by engine/eval. Names are resolved: local values are
/// slots of the enclosing flow or fn (Slot), trigger-scope names are Ctx, consts are folded into
/// Const, fns are CallFn, standard-library functions are Call by name.
struct Expr {
  enum class Op {
    Const,      ///< value
    Slot,       ///< slot
    Ctx,        ///< a trigger-scope name: body, headers, query, raw_body, item, response, cursor, event
    Member,     ///< args[0].name
    OptMember,  ///< args[0]?.name (null when args[0] is null)
    Index,      ///< args[0][args[1]]
    Unary,      ///< name args[0]; name is "!" or "-"
    Binary,     ///< args[0] name args[1]; || && ?? short-circuit
    Cond,       ///< args[0] ? args[1] : args[2]
    List,       ///< [args...]
    Object,     ///< { entries }
    Interp,     ///< string interpolation: concatenates args, each converted to text
    Call,       ///< standard-library `name(args..., named...)`
    CallFn,     ///< module fn `name(args...)`, positional, defaults filled in
    Lambda,     ///< params => args[0]
    Check,      ///< args[0] validated against type; failure raises validation_error at `name`
    Let,        ///< slot = args[0] in args[1] (block bodies of fns)
  };
  /// Object entry `key: value` or `...value`.
  struct Entry {
    std::string key;
    bool spread = false;
    ExprPtr value;
  };
  /// Named call argument `name: value`.
  struct Named {
    std::string name;
    ExprPtr value;
  };
  Op op = Op::Const;
  boost::json::value value;    ///< Const
  int slot = -1;               ///< Slot, Let
  std::string name;            ///< Ctx, Member/OptMember field, operator, callee, Check path root
  std::vector<ExprPtr> args;   ///< operands, items, positional arguments
  std::vector<Named> named;    ///< Call: named arguments in source order
  std::vector<Entry> entries;  ///< Object
  std::vector<int> params;     ///< Lambda: parameter slots
  std::optional<Type> type;    ///< Check
};

/// Builders used by lowering and tests.
ExprPtr constant(boost::json::value v);
ExprPtr slot_ref(int slot);
ExprPtr ctx(std::string name);
ExprPtr member(ExprPtr obj, std::string field, bool optional = false);
ExprPtr index(ExprPtr obj, ExprPtr key);
ExprPtr unary(std::string op, ExprPtr x);
ExprPtr binary(std::string op, ExprPtr a, ExprPtr b);
ExprPtr cond(ExprPtr c, ExprPtr a, ExprPtr b);
ExprPtr list(std::vector<ExprPtr> items);
ExprPtr object(std::vector<Expr::Entry> entries);
ExprPtr interp(std::vector<ExprPtr> parts);
ExprPtr call(std::string fn, std::vector<ExprPtr> args, std::vector<Expr::Named> named = {});
ExprPtr call_fn(std::string fn, std::vector<ExprPtr> args);
ExprPtr lambda(std::vector<int> params, ExprPtr body);
ExprPtr check(Type type, ExprPtr x, std::string path_root);
ExprPtr let_in(int slot, ExprPtr value, ExprPtr body);

/// Deep structural equality (null pointers equal each other only).
bool same(const ExprPtr& a, const ExprPtr& b);

// ---------------------------------------------------------------- slots

/// A local value of a flow or fn. Expressions refer to slots by index.
struct Slot {
  enum class Kind { Param, Let, Step, Item, Index, Into, Catch, Signal, Lambda, Temp };
  std::string name;
  Kind kind = Kind::Let;
};

/// A parameter of a fn or flow.
struct Param {
  std::string name;
  int slot = -1;
  Type type;
  ExprPtr default_value;  ///< may be null
};

/// `fn name(params) -> result = body` (block bodies become nested Let expressions).
struct Fn {
  std::string name;
  std::vector<Param> params;
  Type result;
  std::vector<Slot> slots;
  ExprPtr body;
};

/// `name: expr` in connection, trigger and options blocks.
struct Setting {
  std::string name;
  ExprPtr value;
};

/// `connection name = http { settings }`; evaluated at deploy/run time (env(), secret()).
struct Connection {
  std::string name;
  std::string kind = "http";
  std::vector<Setting> settings;
};

// ---------------------------------------------------------------- flows

/// A durable action: an HTTP call on a connection or a child flow.
struct Action {
  enum class Kind { Call, ChildFlow };
  Kind kind = Kind::Call;
  std::string connection;      ///< Call
  std::string method;          ///< Call: get, post, put, patch, delete
  ExprPtr path;                ///< Call (required)
  ExprPtr query, headers, body, accept_status;  ///< Call (optional)
  std::optional<Type> response;  ///< Call: body type T of `get<T>`; absent = json
  std::string flow;            ///< ChildFlow: the flow's name
  ExprPtr input;               ///< ChildFlow: the input object
};

/// `on webhook|schedule|poll|event ...`.
struct Trigger {
  std::string kind;            ///< "webhook", "schedule", "poll", "event"
  ExprPtr subject;             ///< webhook path, cron text, event type (absent for poll)
  std::optional<Action> poll;  ///< poll: the call
  ExprPtr every;               ///< poll interval
  std::vector<Setting> settings;
};

/// `options { timeout, retry, concurrency: { limit, key }, retention, on_exhausted }`; absent = engine
/// defaults. `retention` (a duration) and `on_exhausted` ("fail" | "pause") are read by the server and replay.
struct Options {
  ExprPtr timeout, retry, concurrency_limit, concurrency_key;
  ExprPtr retention, on_exhausted;
};

/// A guarded edge of a choice: taken when guard is true (first match wins).
struct Edge {
  std::string label;   ///< for drawing: the condition or case values as written
  ExprPtr guard;
  std::string target;  ///< region entry ("" = empty region)
};

/// A named parallel branch.
struct BranchRegion {
  std::string name;
  std::string entry;
};

/// `catch [kind] [as name] [where guard] { ... }`.
struct Catch {
  std::string kind;    ///< error kind; "" catches everything
  int slot = -1;       ///< `as` slot, -1 when absent
  ExprPtr where;       ///< may be null
  std::string entry;   ///< handler region
};

enum class NodeKind {
  Call,        ///< a step calling a connection
  ChildFlow,   ///< a step running another flow
  Assign,      ///< let
  Choice,      ///< if / switch
  Fork,        ///< parallel: runs branches; its `next` is its Join
  Join,        ///< parallel: all branches done
  Map,         ///< for
  Yield,       ///< ends a map iteration with a value
  Timer,       ///< wait d / wait until t
  WaitSignal,  ///< let v = wait signal "name" [timeout d]
  Emit,        ///< emit "event" data
  Try,         ///< try region with catch edges
  Succeed,     ///< return
  Fail,        ///< fail
};

std::string_view kind_name(NodeKind k);
std::optional<NodeKind> kind_from_name(std::string_view s);

/// One node; each kind uses the fields its comment names.
struct Node {
  std::string id;
  NodeKind kind = NodeKind::Assign;
  int slot = -1;                  ///< Call/ChildFlow: result; Assign: target; WaitSignal: payload
  Action action;                  ///< Call/ChildFlow
  ExprPtr retry;                  ///< Call/ChildFlow: retry policy object (may be null)
  ExprPtr timeout;                ///< Call/ChildFlow/WaitSignal (may be null)
  std::optional<Action> compensate;  ///< Call/ChildFlow: saga compensation (may use `slot`)
  ExprPtr value;                  ///< Assign/Yield/Emit data/Succeed/Fail message/Timer/Map list
  bool until = false;             ///< Timer: value is a time (else a duration)
  std::string name;               ///< WaitSignal: signal; Emit: event type
  ExprPtr details;                ///< Fail: the `with` object (may be null)
  ExprPtr subject;                ///< Choice: switch subject, stored in `slot` (null for if)
  std::vector<Edge> edges;        ///< Choice
  std::optional<std::string> otherwise;  ///< Choice: default/else region (absent: fall through)
  std::vector<BranchRegion> branches;    ///< Fork
  int item_slot = -1, index_slot = -1, into_slot = -1;  ///< Map (-1 = absent)
  ExprPtr concurrency;            ///< Map (null = sequential)
  std::string body;               ///< Map/Try: body region entry
  std::vector<Catch> catches;     ///< Try
  std::string next;               ///< successor ("" = end of region)
};

/// A 1-based source position (not hashed).
struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
  bool operator==(const SourcePos&) const = default;
};

struct Flow {
  std::string name;
  std::vector<Param> params;
  std::optional<Type> result;     ///< absent: no `->` (the output is null)
  std::vector<Trigger> triggers;
  Options options;
  std::vector<Slot> slots;
  std::string entry;              ///< first node ("" = empty flow)
  std::vector<Node> nodes;        ///< in lowering order (parents before their regions)

  /// The node with this id, or null.
  const Node* find(std::string_view id) const;
};

struct Module {
  int64_t format_version = kFormatVersion;
  std::vector<TypeDef> types;
  std::vector<std::pair<std::string, boost::json::value>> consts;
  std::vector<Fn> fns;
  std::vector<Connection> connections;
  std::vector<Flow> flows;
  /// flow → node id → position, for diagnostics and the graph; not part of any hash.
  std::map<std::string, std::map<std::string, SourcePos>> source_map;

  const Flow* find_flow(std::string_view name) const;
  const Fn* find_fn(std::string_view name) const;
  const TypeDef* find_type(std::string_view name) const;
  const Connection* find_connection(std::string_view name) const;
};

// ---------------------------------------------------------------- structure queries

/// Where a node sits: the chain of regions from the flow's top level down to it.
struct RegionStep {
  std::string owner;   ///< owner node id
  NodeKind owner_kind;
  std::string region;  ///< "then"/"else"/"case<k>"/"default", branch name, "body", "catch<k>"
};

/// The regions a structured node owns, in order, as (label, entry id). Labels: choice
/// "then"/"elif<k>"/"else" (if) or "case<k>"/"default" (switch); fork: branch names;
/// map: "body"; try: "body", "catch<k>".
std::vector<std::pair<std::string, std::string>> node_regions(const Node& n);

/// Derived lookups over a flow, built once (the runtime and the tools share it).
class FlowIndex {
 public:
  explicit FlowIndex(const Flow& flow);
  const Flow& flow() const { return *flow_; }
  /// Position of a node in flow().nodes, or -1.
  int position(std::string_view id) const;
  const Node* node(std::string_view id) const;
  /// The regions enclosing a node (outermost first); empty for top-level nodes.
  const std::vector<RegionStep>& context(std::string_view id) const;
  /// How many `map` bodies enclose the node.
  int loop_depth(std::string_view id) const;

 private:
  const Flow* flow_;
  std::map<std::string, int, std::less<>> pos_;
  std::map<std::string, std::vector<RegionStep>, std::less<>> ctx_;
};

/// Checks graph invariants (unique ids, edges to existing nodes, each node reached exactly once,
/// slots in range); returns an error message, or "" when the flow is well formed.
std::string validate(const Flow& flow);

}  // namespace weft::ir
