#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace CostGov {

/// What went wrong, in a form the CLI maps to exit codes and the ui shows inline.
enum class ErrorCode {
    Usage = 1,     ///< the caller asked for something malformed
    Data = 2,      ///< input data could not be read or is invalid
    Io = 3,        ///< a file or device failed
    Database = 4,  ///< the ledger refused an operation
    Cancelled = 5, ///< the user cancelled
};

/// An error with a code and a message naming what failed.
struct Error {
    ErrorCode code = ErrorCode::Data;
    QString message;
};

/// A value or an Error. No exceptions cross module boundaries.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::move(value)) {}
    Result(Error error) : m_data(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<T>(m_data); }
    const T &value() const { return std::get<T>(m_data); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    const Error &error() const { return std::get<Error>(m_data); }

private:
    std::variant<T, Error> m_data;
};

/// Success or an Error.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

inline Error makeError(ErrorCode code, QString message)
{
    return Error{code, std::move(message)};
}

} // namespace CostGov
