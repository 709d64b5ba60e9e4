// Desktop speed on a real ledger (for example the 10M-row ledger costgov_bench leaves in its --dir):
// time from start to a painted Overview, the repaint after a range or filter change, and the
// Requests table while it is scrolled page after page. Prints figures; asserts nothing.
#include "filterbar.h"
#include "mainwindow.h"
#include "requestspage.h"

#include "common/clock.h"
#include "common/settings.h"
#include "common/timeutil.h"
#include "storage/ledger.h"
#include "storage/ledgerqueries.h"
#include "storage/overview.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>

#include <cstdio>

using namespace CostGov;

namespace {

/// When a change showed on screen: the Overview's figures and chart, and every page with it.
struct Timing {
    double overview = 0;
    double everything = 0;
};

/// Runs the event loop until every page shows the ledger, noting when the Overview was painted.
Timing untilPainted(Ui::MainWindow &window, const std::function<void()> &change)
{
    Timing timing;
    QElapsedTimer timer;
    QEventLoop loop;
    const auto overview = QObject::connect(&window, &Ui::MainWindow::overviewRefreshed, &loop, [&] {
        window.repaint(); // paint now, not on the next frame
        timing.overview = double(timer.nsecsElapsed()) / 1e6;
    });
    const auto all = QObject::connect(&window, &Ui::MainWindow::ledgerRefreshed, &loop, &QEventLoop::quit);
    timer.start();
    change();
    QTimer::singleShot(120'000, &loop, &QEventLoop::quit);
    loop.exec();
    window.repaint();
    timing.everything = double(timer.nsecsElapsed()) / 1e6;
    QObject::disconnect(overview);
    QObject::disconnect(all);
    return timing;
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // the benchmark's settings stay out of the user's
    QCoreApplication::setOrganizationName(QStringLiteral("CostGovBench"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Cost Governor desktop speed benchmark"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("ledger"), QStringLiteral("The ledger to open."));
    parser.addOption(
        {QStringLiteral("today"), QStringLiteral("The day the window takes as today."), QStringLiteral("YYYY-MM-DD")});
    parser.process(app);
    if (parser.positionalArguments().size() != 1) {
        parser.showHelp(1);
    }
    const QString ledger = parser.positionalArguments().first();
    const auto today = parseDate(parser.value(QStringLiteral("today")).toStdString());
    const ManualClock clock(today ? *today * kMsPerDay + kMsPerDay / 2 : Clock::system().nowMs());
    Settings::set(SettingKeys::OverviewRange, QStringLiteral("last-30-days"));
    Settings::set(SettingKeys::Filters, QString());
    Settings::set(SettingKeys::CompareToPrevious, true);
    Settings::set(SettingKeys::LastPage, 0);
    Settings::set(SettingKeys::MainWindowGeometry, QByteArray());

    {
        // What the pages read, one query at a time, on this ledger.
        auto opened = Storage::Ledger::open(ledger);
        if (!opened.ok()) {
            std::fprintf(stderr, "%s\n", qPrintable(opened.error().message));
            return 1;
        }
        Storage::Ledger &l = **opened;
        const qint64 day = utcDay(clock.nowMs());
        const DayRange month = presetRange(RangePreset::Last30Days, day);
        auto time = [](const char *what, const auto &work) {
            QElapsedTimer timer;
            timer.start();
            const bool ok = work();
            std::printf("  %-44s %8.1f ms%s\n", what, double(timer.nsecsElapsed()) / 1e6, ok ? "" : " (failed)");
        };
        std::printf("queries, last 30 days:\n");
        time("overview figures", [&] {
            return Storage::overviewFigures(l, month, previousPeriod(RangePreset::Last30Days, month), day).ok();
        });
        time("daily spend by team", [&] { return Storage::dailySpendSeries(l, month, Storage::Dimension::Team).ok(); });
        for (const auto d : {Storage::Dimension::Team, Storage::Dimension::Feature, Storage::Dimension::Model,
                             Storage::Dimension::User}) {
            Storage::SpendQuery q;
            q.fromDay = month.from;
            q.toDay = month.to;
            q.groupBy = {d};
            q.limit = 25; // as the Overview's top tables ask
            const QByteArray what = "top 25 by " + Storage::dimensionName(d).toUtf8();
            time(what.constData(), [&] { return Storage::runSpendQuery(l, q).ok(); });
        }
        Storage::SpendQuery pivot;
        pivot.fromDay = month.from;
        pivot.toDay = month.to;
        pivot.groupBy = {Storage::Dimension::Team, Storage::Dimension::Model};
        time("spend by team, model (Explorer)", [&] { return Storage::runSpendQuery(l, pivot).ok(); });
        time("all-time totals", [&] { return Storage::runSpendQuery(l, {}).ok(); });
        time("unpriced models", [&] { return Storage::unpricedModels(l).ok(); });
        time("import history (200)", [&] { return Storage::listImports(l, 200).ok(); });
        time("quarantine (1000)", [&] { return Storage::listQuarantine(l, 1000).ok(); });
        time("first page of requests", [&] { return Storage::listRequests(l, month, {}, {}, 500).ok(); });
    }

    QElapsedTimer started;
    started.start();
    Ui::MainWindow window(ledger, clock);
    window.resize(1440, 900);
    const double constructed = double(started.nsecsElapsed()) / 1e6;
    const Timing startup = untilPainted(window, [&] { window.show(); });

    auto *range = window.findChild<QComboBox *>(QStringLiteral("range"));
    const Timing toSevenDays =
        untilPainted(window, [&] { range->setCurrentIndex(range->findData(QStringLiteral("last-7-days"))); });
    const Timing toQuarter =
        untilPainted(window, [&] { range->setCurrentIndex(range->findData(QStringLiteral("quarter-to-date"))); });
    auto *filters = window.findChild<Ui::FilterBar *>();
    const Timing filtered = untilPainted(window, [&] {
        filters->setValues(Storage::Dimension::Team, {QStringLiteral("team-03"), QStringLiteral("team-07")});
    });
    const Timing unfiltered = untilPainted(window, [&] { filters->clear(); });

    // The Requests table: the first page, then page after page as it is scrolled to the bottom.
    window.showPage(QStringLiteral("requests"));
    auto *page = window.findChild<Ui::RequestsPage *>();
    auto *view = window.findChild<QTableView *>(QStringLiteral("requestsView"));
    Ui::RequestsModel *model = page->model();
    double worstPage = 0, worstBlocked = 0, pageSum = 0;
    const int pages = 20;
    for (int i = 0; i < pages; ++i) {
        const int before = model->rowCount();
        QElapsedTimer timer;
        timer.start();
        QElapsedTimer blocked;
        blocked.start();
        view->scrollToBottom(); // what the user does; the view asks for the next page
        QCoreApplication::processEvents();
        worstBlocked = std::max(worstBlocked, double(blocked.nsecsElapsed()) / 1e6);
        while (model->rowCount() == before && timer.elapsed() < 30'000) {
            blocked.restart();
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
            worstBlocked = std::max(worstBlocked, double(blocked.nsecsElapsed()) / 1e6);
        }
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        worstPage = std::max(worstPage, ms);
        pageSum += ms;
    }

    std::printf("ledger: %s\n", qPrintable(ledger));
    std::printf("%-34s %16s %16s\n", "", "Overview painted", "every page");
    auto line = [](const char *what, const Timing &t, double offset = 0) {
        std::printf("%-34s %13.0f ms %13.0f ms\n", what, t.overview + offset, t.everything + offset);
    };
    line("start (window built, then shown)", startup, constructed);
    line("range -> last 7 days", toSevenDays);
    line("range -> quarter to date", toQuarter);
    line("filter on 2 teams", filtered);
    line("filter removed", unfiltered);
    std::printf("Requests: %d pages of %d rows while scrolling  mean %.0f ms, worst %.0f ms a page; "
                "GUI thread blocked at most %.0f ms\n",
                pages, Ui::RequestsModel::kPageSize, pageSum / pages, worstPage, worstBlocked);
    return 0;
}
