// Shared by the commands that use an embedded store: the data directory, opening the execution
// store, and resolving secrets stored encrypted in it.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/store/execution_store.h"

namespace weft::cli {

/// `--data DIR` if given, else $WEFT_DATA, else ./.weft.
std::string data_dir(const std::string& flag);

/// Creates `dir` (0700) when absent; "" when it is a directory group and others cannot write,
/// else the error to print (the command then exits 2).
std::string check_data_dir(const std::string& dir);

/// `--store URL` if given, else $WEFT_STORE, else "" (the LMDB store of the data directory).
std::string store_location(const std::string& flag);

/// Opens the execution store: the PostgreSQL database `location` names (postgres://...; the data
/// directory then holds only local files such as master.key), else (creating) the LMDB store in
/// `dir` after check_data_dir; nullptr with `error` set on failure.
std::unique_ptr<store::ExecutionStore> open_store(const std::string& dir, std::string& error,
                                                  const std::string& location = "");

/// A resolver for secret("name"): decrypts the store's secrets with the master key
/// (WEFT_MASTER_KEY or DIR/master.key). Values are cached per process.
std::function<std::optional<std::string>(std::string_view)> secret_resolver(store::ExecutionStore& store,
                                                                            const std::string& dir);

}  // namespace weft::cli
