// Internal: the checker of one module. Split across check_decls.cpp, check_expr.cpp and
// check_stmt.cpp; only check_module() (check.h) is public.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/sema/check.h"
#include "compiler/sema/openapi_types.h"
#include "stdlib/settings/settings.h"

namespace weft::sema::detail {

using diagnostics::Code;
using diagnostics::Range;

/// A secret's path: where it came from and each let it passed through.
struct Taint {
  Range origin;
  std::vector<diagnostics::Note> path;
};

/// Where the expression or statement being checked stands.
enum class Where { Top, Const, Fn, Flow, Test, Connection, Trigger, Options };

/// A callable's signature, from a user fn, a flow (for `run`) or a stdlib overload.
struct Sig {
  std::vector<FnParam> params;
  TypeRef result = nullptr;
  const StdFunction* std = nullptr;
};

/// A named-argument constructor of connection/trigger/retry settings (`bearer(token)`).
struct Ctor {
  const char* name;
  std::vector<FnParam> params;
  const settings::Constructor* entry = nullptr;  ///< its settings-table entry (literal checks)
};

class Checker {
 public:
  Checker(CheckedModule& m, const ast::Module& mod, const ImportMap& imports, TypeStore& ts, const Stdlib& stdlib,
          const SpecMap* specs = nullptr);
  void run();

 private:
  // ---- diagnostics
  diagnostics::Diagnostic& report(Code code, Range range, std::string message, std::string label = {});
  /// Adds "did you mean `x`?" (label + fix) when a close candidate exists; returns it.
  std::optional<std::string> suggest(diagnostics::Diagnostic& d, Range range, const std::string& name,
                                     const std::vector<std::string>& candidates);
  /// `suggest` for an unknown function: when no name is close by edit distance, the names that
  /// contain it or that it contains (`uppercase` → `upper`); a fix only when there is one.
  std::optional<std::string> suggest_function(diagnostics::Diagnostic& d, Range range, const std::string& name);
  /// Reports E0108 at `cn`, an expression that names no connection (one text for every place a
  /// connection is expected), suggesting the closest connection name.
  void unknown_connection(const ast::Expr& cn);

  // ---- symbols and scopes
  Symbol& new_symbol(SymbolKind kind, const std::string& name, Range range);
  void declare(Symbol* s, bool warn_shadow = true);  ///< makes a local visible (W0005 when it shadows another local)
  void push_scope();
  void pop_scope();
  Symbol* find_local(std::string_view name) const;
  /// A local, then a module-level name; null when undefined.
  const Symbol* find(std::string_view name) const;
  void use(const ast::Expr* e, Range r, const Symbol* s);
  std::vector<std::string> value_names() const;
  /// Resolves a Name or `import.member` chain to a top-level symbol without type-checking
  /// (connections, flows, imports); records the references. Null when it is not such a path.
  const Symbol* static_symbol(const ast::Expr& e, bool report_undefined);
  const CheckedModule* import_of(const Symbol* s) const { return s ? s->module : nullptr; }

  // ---- declarations (check_decls.cpp)
  void collect();
  TypeRef resolve_type(const ast::TypeExpr* t);
  TypeRef type_decl(const Symbol* s);
  TypeRef const_type(const Symbol* s);
  void signature(Symbol* s);
  void check_const(Symbol* s);
  /// Declares a fn's or a flow's parameters in the current scope (E0110 on a repeated name), typed
  /// from `types` (the signature), and checks their default values; returns their symbols in order.
  std::vector<const Symbol*> bind_params(const ast::Decl& d, std::vector<FnParam> types);
  void check_fn(Symbol* s);
  void check_connection(Symbol* s);
  void check_flow(Symbol* s);
  void check_test(Symbol* s);
  void check_trigger(const ast::Trigger& t, FlowInfo& info, const ast::Decl& flow);
  void check_trigger_input(const ast::Setting& s, const ast::Decl& flow);
  void check_options(const ast::Decl& flow, FlowInfo& info);
  // ---- settings (check_settings.cpp; names, types and checks from stdlib/settings/settings.h)
  /// The constructors of a settings group with their parameter types.
  std::vector<Ctor> ctors_of(settings::Group group);
  /// Checks a constructor call (`bearer(...)`) against its group; returns its name or "".
  std::string check_ctor(const ast::Expr& e, settings::Group group, Code unknown);
  /// Checks a retry policy object; returns the literal `attempts` or 0.
  int check_retry(const ast::Expr& e);
  /// Checks a retry policy's `on: [kinds]`.
  void check_error_kinds(const ast::Expr& v);
  /// Checks one setting's value as the table says: its type, shape and literal check.
  void check_setting(const settings::Setting& s, const ast::Expr& v);
  /// Checks an object of a record setting (`rate_limit`, `concurrency`, `breaker`) field by field.
  void check_record(const settings::Setting& s, const ast::Expr& v);
  /// Applies a literal check to a literal value; reports at the value (nothing for non-literals).
  void check_literal(settings::Check check, const ast::Expr& v, const std::string& name);
  /// The table name `st` stands for: its own when in `known`; else reports `code` with a did-you-mean
  /// and returns the suggestion unless `taken`; nullopt (value checked loosely) when there is none.
  std::optional<std::string> setting_name(const ast::Setting& st, const std::vector<std::string>& known,
                                          const std::function<bool(const std::string&)>& taken, Code code,
                                          std::string message, std::string label, const std::string& note);
  /// A type in the signature syntax; unknown when it does not parse.
  TypeRef setting_type(std::string_view text);
  void finish_locals();

  // ---- expressions (check_expr.cpp)
  TypeRef expr(const ast::Expr& e, TypeRef expected = nullptr);
  TypeRef expr_inner(const ast::Expr& e, TypeRef expected);
  /// expr() then E0201 when the value does not fit `want`; records runtime checks.
  TypeRef expect(const ast::Expr& e, TypeRef want, const std::string& what = {});
  bool fits(const ast::Expr& e, TypeRef got, TypeRef want, const std::string& what);
  TypeRef name(const ast::Expr& e);
  TypeRef member(const ast::Expr& e);
  TypeRef field_of(const ast::Expr& e, TypeRef obj, bool optional_access);
  TypeRef index(const ast::Expr& e);
  TypeRef binary(const ast::Expr& e, TypeRef expected);
  TypeRef unary(const ast::Expr& e);
  TypeRef string_lit(const ast::Expr& e);
  TypeRef object(const ast::Expr& e, TypeRef expected);
  TypeRef list(const ast::Expr& e, TypeRef expected);
  TypeRef lambda(const ast::Expr& e, TypeRef expected);
  TypeRef call(const ast::Expr& e);
  TypeRef call_sig(const ast::Expr& e, const std::string& fname, const std::vector<Sig>& sigs,
                   const ast::Expr* receiver, const Symbol* fn_symbol);
  TypeRef conn_call(const ast::Expr& e, const Symbol* conn, bool as_action);
  TypeRef run_expr(const ast::Expr& e, bool as_action);
  // ---- openapi connections (check_openapi.cpp)
  /// An `openapi` connection's `spec`, document, base URL default and auth match; fills `info`.
  void check_openapi_connection(const ast::Decl& d, ConnectionInfo& info);
  /// A call on an `openapi` connection (an operation method, or get/post/... checked against the
  /// document's paths); returns its Response<T> type.
  TypeRef openapi_call(const ast::Expr& e, const ConnectionInfo& ci, const std::string& full);
  /// `mock conn.<operation>(named args)`: the arguments checked as parameters; false when `name`
  /// names no operation (reported).
  bool openapi_mock(const ast::Expr& t, const ConnectionInfo& ci);
  /// Checks the named arguments of an operation call (parameters, `body`, `query`, `path`, `headers`,
  /// `accept_status`); `partial`: required ones may be left out (mocks).
  void operation_args(const ast::Expr& e, const openapi::Operation& op, const std::string& full, bool partial,
                      bool by_path);
  /// Checks `v` against `want` and re-codes the record and type errors it reports (E0301 → `missing`,
  /// E0310 → `unknown`, E0201 → `wrong`), so OpenAPI mismatches carry their own codes.
  void expect_recoded(const ast::Expr& v, TypeRef want, const std::string& what, Code missing, Code unknown, Code wrong);
  TypeRef calls_builtin(const ast::Expr& e);
  /// `emitted("name")` in a test: the payloads of the events emitted under that name.
  TypeRef emitted_builtin(const ast::Expr& e);
  void check_args_loosely(const ast::Expr& e, size_t first = 0);
  Sig fn_sig(const Symbol* fn);
  Sig flow_sig(const Symbol* flow);

  // ---- secrets
  const Taint* taint_of(const ast::Expr* e) const;
  void propagate_taint(const ast::Expr& e);
  void sink(const ast::Expr& e, const std::string& what);

  // ---- statements (check_stmt.cpp)
  /// Checks a block in a new scope; returns true when it always ends in return/fail.
  bool block(const ast::Block& b);
  bool stmts(const ast::Block& b);
  bool stmt(const ast::Stmt& s);
  void let_stmt(const ast::Stmt& s);
  void step_stmt(const ast::Stmt& s);
  void for_stmt(const ast::Stmt& s);
  void parallel_stmt(const ast::Stmt& s);
  bool try_stmt(const ast::Stmt& s);
  void return_stmt(const ast::Stmt& s);
  void test_stmt(const ast::Stmt& s);
  /// Reports a statement that is not allowed in the current context; returns false if so.
  bool allowed(const ast::Stmt& s);
  void collect_steps(const ast::Block& b);
  /// Steps a block makes visible after a `parallel`: its own steps and those of nested parallels.
  void exported_steps(const ast::Block& b, std::vector<Symbol*>& out);
  const ConnectionInfo* conn_info(const Symbol* conn) const;
  TypeRef error_type(const std::string& kind);
  void condition(const ast::Expr& e);
  /// Checks a step or compensate action; fills the step info.
  TypeRef action(const ast::Expr& a, StepInfo& si);
  Range scope_from(Range begin) const;

  // ---- state
  CheckedModule& m_;
  const ast::Module& mod_;
  const ImportMap& imports_;
  TypeStore& ts_;
  const Stdlib& std_;

  std::vector<Symbol*> visible_;
  std::vector<size_t> marks_;
  std::vector<Range> blocks_;  // enclosing block ranges (for scopes)
  std::unordered_map<const Symbol*, int> state_;  // lazy resolution: 1 = in progress, 2 = done
  std::unordered_map<const Symbol*, TypeRef> decl_types_;
  std::unordered_map<const Symbol*, int> uses_;
  std::vector<Symbol*> decl_locals_;  // locals of the declaration being checked
  std::unordered_map<const ast::Expr*, Taint> taint_;
  std::unordered_map<const Symbol*, Taint> sym_taint_;
  std::unordered_map<const Symbol*, size_t> step_of_;  // step symbol → index in flow_->steps
  std::unordered_map<const ast::Stmt*, Symbol*> stmt_symbols_;
  int flow_retry_attempts_ = 0;

  Where where_ = Where::Top;
  std::unordered_map<std::string_view, TypeRef> setting_types_;  ///< settings-table types, parsed once
  const Symbol* owner_ = nullptr;
  TypeRef result_ = nullptr;  // declared result of the fn/flow being checked
  FlowInfo* flow_ = nullptr;
  std::unordered_map<std::string, Range> steps_seen_;
  std::unordered_map<std::string, Range> steps_all_;
  std::vector<std::vector<TypeRef>*> yields_;
  int for_depth_ = 0;
  bool action_ok_ = false;  // a connection call / run is the action of a step
  bool signal_ok_ = false;  // `wait signal` initialises a let
  const ast::Expr* current_let_value_ = nullptr;
  const SpecMap* specs_ = nullptr;
  std::unique_ptr<SchemaTypes> schema_types_;  ///< created on the first OpenAPI type needed
};

/// Names of the error kinds of docs/design-language.md §6.
const std::vector<std::string>& error_kinds();

}  // namespace weft::sema::detail
