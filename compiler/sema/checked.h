// The output of the type checker for one module: symbols, the type of every expression, what
// every name refers to (and the reverse), json→T runtime check points, secret-taint facts and
// per-flow facts. Read by the IR lowering, the language server and `weft check`.
#pragma once
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/openapi/document.h"
#include "compiler/sema/stdlib.h"
#include "compiler/sema/types.h"

namespace weft::sema {

class CheckedModule;

enum class SymbolKind {
  Import,       ///< `import "./x.flow" as x` (module = the imported module)
  Type,         ///< `type Name ...` (type = the declared type)
  Const,        ///< `const NAME = ...`
  Fn,           ///< `fn f(...)` (type = its function type)
  Connection,   ///< `connection crm = http {...}`
  Flow,         ///< `flow f(...)` (type = function from its parameters to its result)
  Test,         ///< `test "title"` (not a name: never in top_level)
  Param,        ///< a fn or flow parameter
  Let,          ///< `let x = ...`
  Step,         ///< `step x = ...` (type = the step's result)
  ForItem,      ///< `for item in ...`
  ForIndex,     ///< `for item, i in ...`
  ForInto,      ///< `for ... into results`
  CatchVar,     ///< `catch ... as e`
  LambdaParam,  ///< `x => ...`
  TriggerVar,   ///< `body`, `headers`, `query`, `raw_body`, `item`, `response`, `cursor`, `event`
  Field,        ///< a record field of a `type` declaration (owner = the type's symbol)
};

/// Name of a symbol kind ("let", "step", ...), for messages and hover.
std::string_view kind_name(SymbolKind k);

/// A declared name.
struct Symbol {
  SymbolKind kind = SymbolKind::Let;
  std::string name;
  diagnostics::Range range;  ///< the name where it is declared (built-in trigger vars: the trigger)
  diagnostics::Range scope;  ///< where the name is visible (top-level: the whole module)
  std::string doc;           ///< `///` doc text
  TypeRef type = nullptr;    ///< value type (Type: the declared type; Fn/Flow: function type)
  const ast::Decl* decl = nullptr;        ///< top-level declarations; the enclosing decl for locals
  const ast::Stmt* stmt = nullptr;        ///< Let/Step/For*/ (the declaring statement)
  const ast::Param* param = nullptr;      ///< Param
  const ast::FieldDecl* field = nullptr;  ///< Field
  const ast::Expr* expr = nullptr;        ///< LambdaParam: the lambda
  const Symbol* owner = nullptr;          ///< Field: its type; locals: their fn/flow/test symbol
  const CheckedModule* module = nullptr;  ///< Import: the imported module (null when it failed to load)
};

/// A use of a symbol at a source range.
struct Reference {
  diagnostics::Range range;
  const Symbol* symbol = nullptr;
};

/// A place where a `json` value is used as a more precise type: the runtime validates it there.
struct RuntimeCheck {
  const ast::Expr* expr = nullptr;
  TypeRef target = nullptr;
};

/// A secret-taint fact: `expr` carries a secret that came from `origin`, through `path`.
struct SecretFlow {
  const ast::Expr* expr = nullptr;
  diagnostics::Range origin;               ///< the `secret(...)` call
  std::vector<diagnostics::Note> path;     ///< each let it passed through, in order
};

/// One `step` of a flow.
struct StepInfo {
  enum class Action { Call, RunFlow, Invalid };
  std::string name;
  const ast::Stmt* stmt = nullptr;
  const Symbol* symbol = nullptr;
  Action action = Action::Invalid;
  std::string connection;                 ///< Call: the connection's name (`common.crm` for imports)
  std::string method;                     ///< Call: get/post/put/patch/delete
  const Symbol* connection_symbol = nullptr;
  const Symbol* flow_symbol = nullptr;    ///< RunFlow: the child flow
  TypeRef response_type = nullptr;        ///< Call: the declared body type T (json if none); RunFlow: child result
  TypeRef result_type = nullptr;          ///< the step's value: Response<T> or the child's result
  bool in_loop = false;                   ///< inside a `for` (recorded as name[i])
};

/// One `on ...` trigger of a flow.
struct TriggerInfo {
  const ast::Trigger* trigger = nullptr;
  std::string subject;  ///< webhook path, cron text, event type (empty for poll or non-literal)
  std::map<std::string, const ast::Setting*> settings;
};

/// Facts about one flow.
struct FlowInfo {
  std::string name;
  const ast::Decl* decl = nullptr;
  const Symbol* symbol = nullptr;
  std::vector<const Symbol*> params;
  TypeRef result = nullptr;  ///< `null` when the flow declares no result
  std::vector<StepInfo> steps;
  std::vector<TriggerInfo> triggers;
  std::map<std::string, const ast::Setting*> options;
};

/// Facts about one connection.
struct ConnectionInfo {
  std::string name;
  const ast::Decl* decl = nullptr;
  const Symbol* symbol = nullptr;
  std::map<std::string, const ast::Setting*> settings;
  std::string auth;                ///< auth constructor name (`none` when absent)
  std::string idempotency_header;  ///< "Idempotency-Key" by default; "none" when disabled
  int retry_attempts = 0;          ///< literal `retry.attempts`, 0 when not given
  std::string kind = "http";       ///< "http" or "openapi"
  std::string spec_path;           ///< openapi: the document's path (resolved against the .flow file)
  std::shared_ptr<const openapi::Document> document;  ///< openapi: the loaded document (null when it failed)
  std::string base_url;            ///< openapi without `base_url`: the document's first absolute `servers` URL
};

/// A call checked against an OpenAPI document: an operation method (`gh.repos_get(...)`) or a call
/// by method and path that the document has (`crm.get("/contacts/{id}", path: {...})`).
struct OperationCall {
  const openapi::Operation* operation = nullptr;  ///< the operation (owned by the connection's document)
  bool by_method = true;                          ///< true: `conn.<operation>(...)`; false: `conn.get("/path")`
};

/// The checked form of one module. Built by check_module(); read-only afterwards.
class CheckedModule {
 public:
  diagnostics::SourcePtr source;
  const ast::Module* ast = nullptr;

  std::deque<Symbol> symbols;                                   ///< every symbol declared here
  std::unordered_map<std::string, const Symbol*> top_level;    ///< module-level names
  std::unordered_map<const ast::Expr*, TypeRef> expr_types;
  std::unordered_map<const ast::Expr*, const Symbol*> expr_symbols;      ///< names, members, callees
  std::unordered_map<const ast::Expr*, const StdFunction*> std_calls;    ///< calls of stdlib functions
  std::unordered_map<const ast::TypeExpr*, TypeRef> type_exprs;
  std::unordered_map<const ast::TypeExpr*, const Symbol*> type_symbols;
  std::vector<Reference> references;                           ///< every use of a symbol (incl. object keys → fields)
  std::vector<RuntimeCheck> runtime_checks;
  std::vector<SecretFlow> secret_flows;
  std::vector<FlowInfo> flows;
  std::vector<ConnectionInfo> connections;
  /// Calls and mocks on `openapi` connections that name an operation: the call expression → it.
  std::unordered_map<const ast::Expr*, OperationCall> operation_calls;
  diagnostics::Bag diags;                                      ///< this module's semantic diagnostics

  /// Type of an expression (null when it was never checked, e.g. inside a broken construct).
  TypeRef type_of(const ast::Expr* e) const;
  /// Resolved type of a type expression.
  TypeRef type_of(const ast::TypeExpr* t) const;
  /// What a name, member access (record field, import member), or callee refers to.
  const Symbol* symbol_of(const ast::Expr* e) const;
  /// What a named type refers to.
  const Symbol* symbol_of(const ast::TypeExpr* t) const;
  /// The stdlib overload a call resolved to.
  const StdFunction* std_function_of(const ast::Expr* call) const;
  /// A module-level name.
  const Symbol* lookup(std::string_view name) const;
  /// Ranges of every use of `s` in this module.
  std::vector<diagnostics::Range> references_to(const Symbol* s) const;
  /// The symbol declared or referenced at a byte offset (declarations first), or null.
  const Symbol* symbol_at(uint32_t offset) const;
  /// Local symbols whose scope contains the offset, innermost last, then nothing else.
  std::vector<const Symbol*> locals_at(uint32_t offset) const;
  /// Facts about a flow / connection of this module.
  const FlowInfo* flow(std::string_view name) const;
  const ConnectionInfo* connection(std::string_view name) const;
};

}  // namespace weft::sema
