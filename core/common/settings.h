#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QVariant>

namespace CostGov {

/// A setting's key, type and default in one place.
template <typename T>
struct SettingKey {
    const char *key;
    T defaultValue;
};

/// The typed settings facade: every persistent preference goes through here.
class Settings {
public:
    template <typename T>
    static T get(const SettingKey<T> &k)
    {
        const QSettings settings;
        return settings.value(QLatin1String(k.key), QVariant::fromValue(k.defaultValue)).template value<T>();
    }
    template <typename T>
    static void set(const SettingKey<T> &k, const T &value)
    {
        QSettings settings;
        settings.setValue(QLatin1String(k.key), QVariant::fromValue(value));
    }
};

namespace SettingKeys {
inline const SettingKey<QByteArray> MainWindowGeometry{"ui/mainWindowGeometry", {}};
inline const SettingKey<QByteArray> MainWindowState{"ui/mainWindowState", {}};
inline const SettingKey<int> LastPage{"ui/lastPage", 0};
inline const SettingKey<QString> LastImportFolder{"ui/lastImportFolder", {}};
inline const SettingKey<QString> WatchedFolders{"sources/watchedFolders", {}}; ///< one path a line
inline const SettingKey<int> WatchIntervalSeconds{"sources/watchIntervalSeconds",
                                                  30}; ///< how often to look for new lines
inline const SettingKey<QString> OverviewRange{"ui/overviewRange", QStringLiteral("last-30-days")};
inline const SettingKey<QString> CustomRangeFrom{"ui/customRangeFrom", {}}; ///< yyyy-mm-dd
inline const SettingKey<QString> CustomRangeTo{"ui/customRangeTo", {}};
inline const SettingKey<bool> CompareToPrevious{"ui/compareToPrevious", true};
inline const SettingKey<QString> ExplorerHiddenMetrics{"ui/explorerHiddenMetrics",
                                                       {}}; ///< metric names, comma separated
inline const SettingKey<QString> ExplorerGroupBy{"ui/explorerGroupBy", QStringLiteral("team,model")};
inline const SettingKey<QString> Filters{"ui/filters", {}}; ///< JSON: {"team": ["a", "b"], ...}
inline const SettingKey<QString> OverviewChartDimension{"ui/overviewChartDimension", QStringLiteral("team")};
inline const SettingKey<qint64> AlertsPausedUntil{"alerts/pausedUntilMs", 0}; ///< no notifications before
inline const SettingKey<QString> AlertsWebhookUrl{"alerts/webhookUrl", {}};   ///< "" for none
inline const SettingKey<bool> CloseToTray{"ui/closeToTray", true}; ///< closing the window keeps the app in the tray
} // namespace SettingKeys

} // namespace CostGov
