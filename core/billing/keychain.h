#pragma once

#include "billing.h"

#include <QString>

#include <functional>

class QObject;

namespace CostGov::Billing {

/// Provider admin keys in the OS keychain (the Secret Service on Linux: GNOME Keyring, KWallet),
/// service "Cost Governor", one entry per provider. Keys are never written anywhere else.
/// The callbacks run on context's thread, unless context is gone by then.
void readKeychainKey(Provider provider, QObject *context, std::function<void(const Result<QString> &)> done);
void writeKeychainKey(Provider provider, const QString &key, QObject *context,
                      std::function<void(const Status &)> done);
void deleteKeychainKey(Provider provider, QObject *context, std::function<void(const Status &)> done);

/// Any secret by entry name (agent tokens: "agent-NAME-token"); variable names the environment
/// variable an error suggests instead.
void readKeychainSecret(const QString &entry, const QString &variable, QObject *context,
                        std::function<void(const Result<QString> &)> done);
void writeKeychainSecret(const QString &entry, const QString &variable, const QString &secret, QObject *context,
                         std::function<void(const Status &)> done);
void deleteKeychainSecret(const QString &entry, const QString &variable, QObject *context,
                          std::function<void(const Status &)> done);
/// The environment variable when set, else the keychain's entry; "" when neither has one.
/// Blocks on an event loop until the keychain answers.
Result<QString> secretNow(const QString &entry, const QString &variable);

/// The key syncs use: the environment variable when set (headless use), else the keychain's entry;
/// "" when neither has one. Blocks on an event loop until the keychain answers (costgovctl).
Result<QString> adminKeyNow(Provider provider);

} // namespace CostGov::Billing
