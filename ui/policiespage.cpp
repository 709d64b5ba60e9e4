#include "policiespage.h"

#include "moneytext.h"
#include "readonlytable.h"

#include "billing/keychain.h"
#include "common/money.h"
#include "common/timeutil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBlock>
#include <QVBoxLayout>

namespace CostGov::Ui {

namespace {

QStringList listOf(const QLineEdit *edit)
{
    QStringList out;
    for (const QString &part : edit->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!part.trimmed().isEmpty())
            out.append(part.trimmed());
    return out;
}

/// "provider/model, provider/model"
QString targetsText(const QVector<Policy::Target> &targets)
{
    QStringList parts;
    for (const Policy::Target &t : targets)
        parts.append(t.provider + QLatin1Char('/') + t.model);
    return parts.join(QStringLiteral(", "));
}

QVector<Policy::Target> targetsOf(const QLineEdit *edit)
{
    QVector<Policy::Target> out;
    for (const QString &part : listOf(edit)) {
        const qsizetype slash = part.indexOf(QLatin1Char('/'));
        out.append(slash < 0 ? Policy::Target{QString(), part} : Policy::Target{part.left(slash), part.mid(slash + 1)});
    }
    return out;
}

std::optional<qint64> optionalOf(const QSpinBox *spin)
{
    return spin->value() > 0 ? std::optional<qint64>(spin->value()) : std::nullopt;
}

QSpinBox *anySpin(qint64 max)
{
    auto *spin = new QSpinBox;
    spin->setRange(0, int(std::min<qint64>(max, std::numeric_limits<int>::max())));
    spin->setSpecialValueText(QObject::tr("any"));
    return spin;
}

QTableWidgetItem *item(const QString &text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter)
{
    auto *i = new QTableWidgetItem(text);
    i->setTextAlignment(align);
    return i;
}

const Qt::Alignment kRight = Qt::AlignRight | Qt::AlignVCenter;

QString defaultDocument()
{
    Policy::Policy p;
    p.name = QStringLiteral("default");
    return QString::fromUtf8(Policy::toDocument(p));
}

} // namespace

PoliciesPage::PoliciesPage(const QString &ledgerPath, const Clock &clock, QWidget *parent)
    : QWidget(parent), m_ledgerPath(ledgerPath), m_clock(clock)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("policyTabs"));
    auto *editor = new QWidget, *history = new QWidget, *backtest = new QWidget, *agents = new QWidget;
    tabs->addTab(editor, tr("&Editor"));
    tabs->addTab(history, tr("&History"));
    tabs->addTab(backtest, tr("&Backtest"));
    tabs->addTab(agents, tr("A&gents"));
    layout->addWidget(tabs);
    buildEditorTab(editor);
    buildHistoryTab(history);
    buildBacktestTab(backtest);
    buildAgentsTab(agents);
    setDocumentText(defaultDocument());
}

void PoliciesPage::buildEditorTab(QWidget *tab)
{
    auto *layout = new QVBoxLayout(tab);
    auto *splitter = new QSplitter(Qt::Horizontal);

    // The form.
    auto *form = new QWidget;
    auto *formLayout = new QVBoxLayout(form);
    auto *top = new QFormLayout;
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("policyName"));
    top->addRow(tr("Policy &name:"), m_name);
    formLayout->addLayout(top);

    auto *rulesBox = new QGroupBox(tr("Routing rules (first match wins)"));
    auto *rulesLayout = new QVBoxLayout(rulesBox);
    auto *ruleList = new QHBoxLayout;
    m_rules = new QListWidget;
    m_rules->setObjectName(QStringLiteral("policyRules"));
    m_rules->setMaximumHeight(120);
    ruleList->addWidget(m_rules, 1);
    auto *ruleButtons = new QVBoxLayout;
    auto *add = new QPushButton(tr("Add"));
    auto *remove = new QPushButton(tr("Remove"));
    auto *up = new QPushButton(tr("Up"));
    auto *down = new QPushButton(tr("Down"));
    add->setToolTip(tr("Add a rule after the selected one"));
    for (auto *b : {add, remove, up, down})
        ruleButtons->addWidget(b);
    ruleButtons->addStretch(1);
    ruleList->addLayout(ruleButtons);
    rulesLayout->addLayout(ruleList);

    m_ruleForm = new QWidget;
    auto *rf = new QFormLayout(m_ruleForm);
    rf->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_ruleName = new QLineEdit;
    m_ruleName->setObjectName(QStringLiteral("ruleName"));
    m_ruleModels = new QLineEdit;
    m_ruleModels->setPlaceholderText(tr("any; e.g. gpt-4o, claude-*"));
    m_ruleMinTokens = anySpin(100'000'000);
    m_ruleMaxTokens = anySpin(100'000'000);
    auto *tokens = new QHBoxLayout;
    tokens->addWidget(m_ruleMinTokens);
    tokens->addWidget(new QLabel(tr("to")));
    tokens->addWidget(m_ruleMaxTokens);
    m_ruleKeywords = new QLineEdit;
    m_ruleKeywords->setPlaceholderText(tr("any of, in the last user message"));
    m_ruleRegex = new QLineEdit;
    m_ruleRegex->setObjectName(QStringLiteral("ruleRegex"));
    m_ruleRegex->setPlaceholderText(tr("regular expression, case-insensitive"));
    m_ruleTeams = new QLineEdit;
    m_ruleFeatures = new QLineEdit;
    m_ruleUsers = new QLineEdit;
    m_ruleEnvironments = new QLineEdit;
    for (auto *e : {m_ruleTeams, m_ruleFeatures, m_ruleUsers, m_ruleEnvironments})
        e->setPlaceholderText(tr("any"));
    m_ruleTools = new QComboBox;
    m_ruleTools->addItems({tr("any"), tr("with tools"), tr("without tools")});
    m_ruleFormat = new QComboBox;
    m_ruleFormat->addItem(tr("any"), QString());
    m_ruleFormat->addItem(tr("JSON"), QStringLiteral("json"));
    m_ruleFormat->addItem(tr("text"), QStringLiteral("text"));
    m_ruleMaxOutput = anySpin(10'000'000);
    m_ruleAction = new QComboBox;
    m_ruleAction->setObjectName(QStringLiteral("ruleAction"));
    m_ruleAction->addItem(tr("Route to"));
    m_ruleAction->addItem(tr("Cascade (cheapest first)"));
    m_ruleTargets = new QLineEdit;
    m_ruleTargets->setObjectName(QStringLiteral("ruleTargets"));
    m_ruleTargets->setPlaceholderText(tr("provider/model; a cascade lists two or more"));
    m_ruleFallbacks = new QLineEdit;
    m_ruleFallbacks->setPlaceholderText(tr("provider/model, ... on 429 or 5xx"));
    m_ruleExact = new QComboBox;
    m_ruleExact->setObjectName(QStringLiteral("ruleExact"));
    m_ruleSemantic = new QComboBox;
    for (auto *c : {m_ruleExact, m_ruleSemantic})
        c->addItems({tr("as the policy"), tr("on"), tr("off")});
    rf->addRow(tr("Rule na&me:"), m_ruleName);
    rf->addRow(tr("Requested &models:"), m_ruleModels);
    rf->addRow(tr("Prompt tokens:"), tokens);
    rf->addRow(tr("&Keywords:"), m_ruleKeywords);
    rf->addRow(tr("Re&gex:"), m_ruleRegex);
    rf->addRow(tr("Teams:"), m_ruleTeams);
    rf->addRow(tr("Features:"), m_ruleFeatures);
    rf->addRow(tr("Users:"), m_ruleUsers);
    rf->addRow(tr("Environments:"), m_ruleEnvironments);
    rf->addRow(tr("Tools:"), m_ruleTools);
    rf->addRow(tr("Response format:"), m_ruleFormat);
    rf->addRow(tr("max_tokens at most:"), m_ruleMaxOutput);
    rf->addRow(tr("&Action:"), m_ruleAction);
    rf->addRow(tr("Models:"), m_ruleTargets);
    rf->addRow(tr("Fallbacks:"), m_ruleFallbacks);
    rf->addRow(tr("Exact cache:"), m_ruleExact);
    rf->addRow(tr("Semantic cache:"), m_ruleSemantic);
    rulesLayout->addWidget(m_ruleForm);
    formLayout->addWidget(rulesBox);

    auto *defaults = new QFormLayout;
    m_defaultFallbacks = new QLineEdit;
    m_defaultFallbacks->setPlaceholderText(tr("provider/model, ... for requests no rule takes"));
    defaults->addRow(tr("Default fallbacks:"), m_defaultFallbacks);
    formLayout->addLayout(defaults);

    auto *cacheBox = new QGroupBox(tr("Caching"));
    auto *cf = new QFormLayout(cacheBox);
    m_exactEnabled = new QCheckBox(tr("Exact-match cache"));
    m_exactEnabled->setObjectName(QStringLiteral("exactEnabled"));
    m_exactTtl = new QSpinBox;
    m_exactTtl->setRange(1, 365 * 86400);
    m_exactTtl->setSuffix(tr(" s"));
    m_exactEntries = new QSpinBox;
    m_exactEntries->setRange(1, 100'000'000);
    m_exactMegabytes = new QSpinBox;
    m_exactMegabytes->setRange(1, 1'000'000);
    m_exactMegabytes->setSuffix(tr(" MiB"));
    m_exactScope = new QLineEdit;
    m_exactScope->setPlaceholderText(tr("team, feature"));
    auto *exactRow = new QHBoxLayout;
    exactRow->addWidget(m_exactEnabled);
    exactRow->addWidget(new QLabel(tr("TTL")));
    exactRow->addWidget(m_exactTtl);
    exactRow->addWidget(new QLabel(tr("entries")));
    exactRow->addWidget(m_exactEntries);
    exactRow->addWidget(m_exactMegabytes);
    cf->addRow(exactRow);
    cf->addRow(tr("Shared only within:"), m_exactScope);
    m_semanticEnabled = new QCheckBox(tr("Semantic cache"));
    m_threshold = new QDoubleSpinBox;
    m_threshold->setRange(0.5, 1.0);
    m_threshold->setSingleStep(0.01);
    m_threshold->setDecimals(2);
    m_embedding = new QComboBox;
    m_embedding->addItem(tr("built-in lexical"), QStringLiteral("local"));
    m_embedding->addItem(tr("upstream embeddings"), QStringLiteral("upstream"));
    m_embeddingTarget = new QLineEdit;
    m_embeddingTarget->setPlaceholderText(tr("provider/embedding model"));
    auto *semanticRow = new QHBoxLayout;
    semanticRow->addWidget(m_semanticEnabled);
    semanticRow->addWidget(new QLabel(tr("similarity")));
    semanticRow->addWidget(m_threshold);
    semanticRow->addWidget(m_embedding);
    semanticRow->addWidget(m_embeddingTarget, 1);
    cf->addRow(semanticRow);
    m_semanticMetadata = new QLineEdit;
    m_semanticMetadata->setPlaceholderText(tr("team, feature"));
    cf->addRow(tr("Metadata that must match:"), m_semanticMetadata);
    m_nondeterministic = new QCheckBox(tr("Also cache requests with temperature above 0 or n above 1"));
    cf->addRow(m_nondeterministic);
    formLayout->addWidget(cacheBox);

    auto *budgetBox = new QGroupBox(tr("Hard budgets (the agent answers 429 once spent; alert rules marked hard are "
                                       "added when pushing)"));
    auto *bl = new QVBoxLayout(budgetBox);
    m_budgets = new QTableWidget(0, 7);
    m_budgets->setObjectName(QStringLiteral("policyBudgets"));
    m_budgets->setHorizontalHeaderLabels(
        {tr("Name"), tr("Team"), tr("Feature"), tr("Environment"), tr("Window"), tr("Time zone"), tr("Limit USD")});
    m_budgets->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_budgets->verticalHeader()->hide();
    m_budgets->setMinimumHeight(90);
    bl->addWidget(m_budgets);
    auto *budgetButtons = new QHBoxLayout;
    auto *addBudget = new QPushButton(tr("Add Budget"));
    auto *removeBudget = new QPushButton(tr("Remove Budget"));
    budgetButtons->addWidget(addBudget);
    budgetButtons->addWidget(removeBudget);
    budgetButtons->addStretch(1);
    bl->addLayout(budgetButtons);
    formLayout->addWidget(budgetBox);
    formLayout->addStretch(1);

    m_form = form;
    auto *scroll = new QScrollArea;
    scroll->setWidget(form);
    scroll->setWidgetResizable(true);
    splitter->addWidget(scroll);

    // The document.
    auto *right = new QWidget;
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    m_json = new QPlainTextEdit;
    m_json->setObjectName(QStringLiteral("policyJson"));
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setLineWrapMode(QPlainTextEdit::NoWrap);
    rl->addWidget(new QLabel(tr("Policy document (JSON)")));
    rl->addWidget(m_json, 1);
    m_validation = new QLabel;
    m_validation->setObjectName(QStringLiteral("policyValidation"));
    m_validation->setWordWrap(true);
    m_validation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rl->addWidget(m_validation);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({560, 440}); // in proportion: the document gets room to be read
    layout->addWidget(splitter, 1);

    auto *buttons = new QHBoxLayout;
    m_save = new QPushButton(tr("&Save Version"));
    m_save->setObjectName(QStringLiteral("saveVersion"));
    m_save->setToolTip(tr("Keep the document as the next version (Ctrl+S)"));
    auto *revert = new QPushButton(tr("&Revert"));
    revert->setToolTip(tr("Back to the latest saved version"));
    buttons->addStretch(1);
    buttons->addWidget(revert);
    buttons->addWidget(m_save);
    layout->addLayout(buttons);

    auto *saveShortcut = new QShortcut(QKeySequence::Save, this);
    saveShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    const auto askAndSave = [this] {
        bool ok = false;
        const QString note = QInputDialog::getText(this, tr("Save Version"), tr("What changed (optional):"),
                                                   QLineEdit::Normal, QString(), &ok);
        if (ok)
            saveVersion(note);
    };
    connect(saveShortcut, &QShortcut::activated, this, askAndSave);
    connect(m_save, &QPushButton::clicked, this, askAndSave);
    connect(revert, &QPushButton::clicked, this, [this] {
        if (m_versions.isEmpty()) {
            setDocumentText(defaultDocument());
            return;
        }
        if (documentText() != m_editorBaseText
            && QMessageBox::question(this, tr("Revert"), tr("Discard the changes in the editor?")) != QMessageBox::Yes)
            return;
        m_loaded = false;
        refresh();
    });

    connect(m_json, &QPlainTextEdit::textChanged, this, &PoliciesPage::jsonEdited);
    connect(m_rules, &QListWidget::currentRowChanged, this, &PoliciesPage::ruleToForm);
    const auto changed = [this] { formToPolicy(); };
    for (auto *e : {m_name, m_ruleName, m_ruleModels, m_ruleKeywords, m_ruleRegex, m_ruleTeams, m_ruleFeatures,
                    m_ruleUsers, m_ruleEnvironments, m_ruleTargets, m_ruleFallbacks, m_defaultFallbacks, m_exactScope,
                    m_semanticMetadata, m_embeddingTarget})
        connect(e, &QLineEdit::textEdited, this, changed);
    for (auto *s : {m_ruleMinTokens, m_ruleMaxTokens, m_ruleMaxOutput, m_exactTtl, m_exactEntries, m_exactMegabytes})
        connect(s, &QSpinBox::valueChanged, this, changed);
    connect(m_threshold, &QDoubleSpinBox::valueChanged, this, changed);
    for (auto *c : {m_ruleTools, m_ruleFormat, m_ruleAction, m_ruleExact, m_ruleSemantic, m_embedding})
        connect(c, &QComboBox::currentIndexChanged, this, changed);
    for (auto *c : {m_exactEnabled, m_semanticEnabled, m_nondeterministic})
        connect(c, &QCheckBox::toggled, this, changed);
    connect(m_budgets, &QTableWidget::itemChanged, this, changed);

    connect(add, &QPushButton::clicked, this, [this] {
        Policy::Rule rule;
        rule.name = tr("rule %1").arg(m_policy.rules.size() + 1);
        rule.targets = {{QStringLiteral("openai"), QStringLiteral("gpt-4o-mini")}};
        const int at = m_rules->currentRow() + 1;
        m_policy.rules.insert(at, rule);
        policyToForm();
        m_rules->setCurrentRow(at);
        writeDocument();
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_rules->currentRow();
        if (row < 0)
            return;
        m_policy.rules.removeAt(row);
        policyToForm();
        m_rules->setCurrentRow(std::min(row, int(m_policy.rules.size()) - 1));
        writeDocument();
    });
    const auto move = [this](int by) {
        const int row = m_rules->currentRow();
        if (row < 0 || row + by < 0 || row + by >= m_policy.rules.size())
            return;
        m_policy.rules.move(row, row + by);
        policyToForm();
        m_rules->setCurrentRow(row + by);
        writeDocument();
    };
    connect(up, &QPushButton::clicked, this, [move] { move(-1); });
    connect(down, &QPushButton::clicked, this, [move] { move(1); });
    connect(addBudget, &QPushButton::clicked, this, [this] {
        Policy::Budget b;
        b.name = tr("budget %1").arg(m_policy.budgets.size() + 1);
        b.limit = 100 * kNanoPerUsd;
        m_policy.budgets.append(b);
        policyToForm();
        writeDocument();
    });
    connect(removeBudget, &QPushButton::clicked, this, [this] {
        const int row = m_budgets->currentRow();
        if (row < 0 || row >= m_policy.budgets.size())
            return;
        m_policy.budgets.removeAt(row);
        policyToForm();
        writeDocument();
    });
}

void PoliciesPage::buildHistoryTab(QWidget *tab)
{
    auto *layout = new QVBoxLayout(tab);
    auto *splitter = new QSplitter(Qt::Vertical);
    m_history = readOnlyTable(QStringLiteral("policyHistory"), {tr("Version"), tr("Saved"), tr("Hash"), tr("Note")});
    m_history->setSelectionMode(QAbstractItemView::ExtendedSelection);
    splitter->addWidget(m_history);
    auto *diffBox = new QWidget;
    auto *dl = new QVBoxLayout(diffBox);
    dl->setContentsMargins(0, 0, 0, 0);
    dl->addWidget(new QLabel(tr("Changes from the version before it (or between the two selected):")));
    m_diff = new QPlainTextEdit;
    m_diff->setObjectName(QStringLiteral("policyDiff"));
    m_diff->setReadOnly(true);
    m_diff->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    dl->addWidget(m_diff);
    splitter->addWidget(diffBox);
    layout->addWidget(splitter, 1);
    auto *buttons = new QHBoxLayout;
    auto *open = new QPushButton(tr("&Open in Editor"));
    auto *rollback = new QPushButton(tr("Roll &Back to This Version..."));
    rollback->setObjectName(QStringLiteral("rollbackVersion"));
    buttons->addStretch(1);
    buttons->addWidget(open);
    buttons->addWidget(rollback);
    layout->addLayout(buttons);
    connect(m_history, &QTableWidget::itemSelectionChanged, this, &PoliciesPage::showDiff);
    const auto selectedVersion = [this]() -> qint64 {
        const int row = m_history->currentRow();
        return row >= 0 && row < m_versions.size() ? m_versions.at(row).version : 0;
    };
    connect(open, &QPushButton::clicked, this, [this, selectedVersion] {
        const qint64 v = selectedVersion();
        if (v == 0)
            return;
        inBackground(
            this, m_ledgerPath, [v](Storage::Ledger &ledger) { return Policy::load(ledger, v); },
            [this](const Result<Policy::Policy> &policy) {
                if (policy.ok())
                    setDocumentText(QString::fromUtf8(Policy::toDocument(*policy)));
            });
    });
    connect(rollback, &QPushButton::clicked, this, [this, selectedVersion] {
        const qint64 v = selectedVersion();
        if (v == 0)
            return;
        if (QMessageBox::question(this, tr("Roll Back"),
                                  tr("Save version %1 again as the newest version? Push it to the agents afterwards "
                                     "to put it in force.")
                                      .arg(v))
            == QMessageBox::Yes)
            rollbackTo(v);
    });
}

void PoliciesPage::buildBacktestTab(QWidget *tab)
{
    auto *layout = new QVBoxLayout(tab);
    auto *bar = new QHBoxLayout;
    m_backtestDays = new QComboBox;
    for (int days : {7, 30, 90})
        m_backtestDays->addItem(tr("Last %n day(s)", nullptr, days), days);
    m_backtestDays->setCurrentIndex(1);
    m_runBacktest = new QPushButton(tr("&Run Backtest"));
    m_runBacktest->setObjectName(QStringLiteral("runBacktest"));
    m_runBacktest->setToolTip(tr("Replay the editor's document over the recorded requests"));
    m_cancelBacktestButton = new QPushButton(tr("Cancel"));
    m_cancelBacktestButton->setEnabled(false);
    m_backtestProgress = new QProgressBar;
    m_backtestProgress->setVisible(false);
    bar->addWidget(m_backtestDays);
    bar->addWidget(m_runBacktest);
    bar->addWidget(m_cancelBacktestButton);
    bar->addWidget(m_backtestProgress, 1);
    bar->addStretch(1);
    layout->addLayout(bar);
    m_backtestSummary = new QLabel(tr("Run a backtest to see what the policy would have changed."));
    m_backtestSummary->setObjectName(QStringLiteral("backtestSummary"));
    m_backtestSummary->setWordWrap(true);
    m_backtestSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_backtestSummary);
    m_backtestRules = readOnlyTable(
        QStringLiteral("backtestRules"),
        {tr("Rule"), tr("Matched"), tr("Rerouted"), tr("Unknown"), tr("Cost before"), tr("Cost after"), tr("Saving")});
    layout->addWidget(m_backtestRules, 1);
    connect(m_runBacktest, &QPushButton::clicked, this, &PoliciesPage::runBacktest);
    connect(m_cancelBacktestButton, &QPushButton::clicked, this, [this] {
        if (m_cancelBacktest)
            m_cancelBacktest->store(true);
    });
}

void PoliciesPage::buildAgentsTab(QWidget *tab)
{
    auto *layout = new QVBoxLayout(tab);
    m_agentTable = readOnlyTable(QStringLiteral("agentTable"),
                                 {tr("Agent"), tr("Address"), tr("Version"), tr("State"), tr("Up"), tr("Last push")});
    m_agentTable->setSelectionMode(QAbstractItemView::ExtendedSelection);
    layout->addWidget(m_agentTable, 1);
    m_agentNote = new QLabel;
    m_agentNote->setObjectName(QStringLiteral("agentNote"));
    m_agentNote->setWordWrap(true);
    layout->addWidget(m_agentNote);
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("&Add Agent..."));
    auto *remove = new QPushButton(tr("Remo&ve"));
    auto *status = new QPushButton(tr("Refresh &Status"));
    auto *push = new QPushButton(tr("&Push Latest Version"));
    push->setObjectName(QStringLiteral("pushPolicy"));
    push->setToolTip(tr("Push the latest saved version, with the hard budgets of the alert rules, to the selected "
                        "agents (all when none is selected)"));
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    buttons->addWidget(status);
    buttons->addWidget(push);
    layout->addLayout(buttons);
    connect(status, &QPushButton::clicked, this, &PoliciesPage::refreshAgents);
    connect(push, &QPushButton::clicked, this, &PoliciesPage::pushToAgents);
    connect(add, &QPushButton::clicked, this, [this] {
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Add Agent"));
        auto *form = new QFormLayout(&dialog);
        auto *name = new QLineEdit;
        auto *url = new QLineEdit(QStringLiteral("http://127.0.0.1:8788"));
        auto *token = new QLineEdit;
        token->setEchoMode(QLineEdit::Password);
        token->setPlaceholderText(
            tr("kept in the keychain; empty: %1_<NAME> from the environment").arg(Policy::kAgentTokenVariable));
        form->addRow(tr("&Name:"), name);
        form->addRow(tr("&Management address:"), url);
        form->addRow(tr("&Token:"), token);
        auto *ca = new QLineEdit;
        ca->setPlaceholderText(tr("for https with a private CA; empty: the system's"));
        auto *browse = new QPushButton(tr("Browse..."));
        connect(browse, &QPushButton::clicked, &dialog, [&dialog, ca] {
            const QString file = QFileDialog::getOpenFileName(&dialog, tr("CA Certificate"), QString(),
                                                              tr("PEM certificates (*.pem *.crt);;All files (*)"));
            if (!file.isEmpty())
                ca->setText(file);
        });
        auto *caRow = new QHBoxLayout;
        caRow->addWidget(ca, 1);
        caRow->addWidget(browse);
        form->addRow(tr("&CA certificate:"), caRow);
        auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
        form->addRow(box);
        connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        if (dialog.exec() == QDialog::Accepted)
            addAgent(name->text().trimmed(), url->text().trimmed(), token->text(), ca->text().trimmed());
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_agentTable->currentRow();
        if (row < 0 || row >= m_agents.size())
            return;
        const QString name = m_agents.at(row).name;
        if (QMessageBox::question(this, tr("Remove Agent"),
                                  tr("Remove agent %1 from the list and its token from the keychain? The agent keeps "
                                     "running with its policy.")
                                      .arg(name))
            != QMessageBox::Yes)
            return;
        Billing::deleteKeychainSecret(Policy::agentTokenEntry(name), Policy::agentTokenVariable(name), this,
                                      [](const Status &) {});
        inBackground(
            this, m_ledgerPath, [name](Storage::Ledger &ledger) { return Policy::removeAgent(ledger, name); },
            [this](const Result<bool> &) { refreshAgents(); });
    });
}

// ---- Form and document

void PoliciesPage::setDocumentText(const QString &text)
{
    m_json->setPlainText(text); // jsonEdited() fills the form
}

QString PoliciesPage::documentText() const
{
    return m_json->toPlainText();
}

void PoliciesPage::jsonEdited()
{
    if (m_updating)
        return;
    const Policy::Parsed parsed = Policy::parse(documentText().toUtf8());
    m_problems = parsed.problems;
    if (parsed.ok()) {
        m_policy = parsed.policy;
        const int row = m_rules->currentRow();
        policyToForm();
        m_rules->setCurrentRow(std::clamp(row, m_policy.rules.isEmpty() ? -1 : 0, int(m_policy.rules.size()) - 1));
    }
    m_form->setEnabled(parsed.ok()); // form edits would overwrite the text being typed
    documentChanged();
}

void PoliciesPage::documentChanged()
{
    if (m_problems.isEmpty()) {
        m_validation->setStyleSheet(QStringLiteral("QLabel { color: #1e6b30; }"));
        m_validation->setText(
            tr("Valid: %n routing rule(s)", nullptr, int(m_policy.rules.size()))
            + tr(", exact cache %1, semantic cache %2, %n budget(s).", nullptr, int(m_policy.budgets.size()))
                  .arg(m_policy.exact.enabled ? tr("on") : tr("off"),
                       m_policy.semantic.enabled ? tr("on") : tr("off")));
    } else {
        QStringList lines;
        for (const Policy::Problem &p : m_problems)
            lines.append((p.path.isEmpty() ? QString() : p.path + QStringLiteral(": ")) + p.message);
        m_validation->setStyleSheet(QStringLiteral("QLabel { color: #a1281c; }"));
        m_validation->setText(tr("Not valid (the form shows the last valid document):") + QLatin1Char('\n')
                              + lines.join(QLatin1Char('\n')));
    }
    m_save->setEnabled(m_problems.isEmpty());
}

void PoliciesPage::policyToForm()
{
    m_updating = true;
    m_name->setText(m_policy.name);
    const int row = m_rules->currentRow();
    m_rules->clear();
    for (const Policy::Rule &r : m_policy.rules)
        m_rules->addItem(r.name);
    m_defaultFallbacks->setText(targetsText(m_policy.defaultFallbacks));
    m_exactEnabled->setChecked(m_policy.exact.enabled);
    m_exactTtl->setValue(int(m_policy.exact.ttlSeconds));
    m_exactEntries->setValue(int(m_policy.exact.maxEntries));
    m_exactMegabytes->setValue(int(std::max<qint64>(1, m_policy.exact.maxBytes >> 20)));
    m_exactScope->setText(m_policy.exact.scope.join(QStringLiteral(", ")));
    m_semanticEnabled->setChecked(m_policy.semantic.enabled);
    m_threshold->setValue(m_policy.semantic.threshold);
    m_embedding->setCurrentIndex(m_policy.semantic.embedding == QLatin1String("upstream") ? 1 : 0);
    m_embeddingTarget->setText(m_policy.semantic.embedding == QLatin1String("upstream")
                                   ? targetsText({m_policy.semantic.embeddingTarget})
                                   : QString());
    m_embeddingTarget->setEnabled(m_embedding->currentIndex() == 1);
    m_semanticMetadata->setText(m_policy.semantic.metadata.join(QStringLiteral(", ")));
    m_nondeterministic->setChecked(m_policy.cacheNondeterministic);
    m_budgets->setRowCount(int(m_policy.budgets.size()));
    for (int i = 0; i < m_policy.budgets.size(); ++i) {
        const Policy::Budget &b = m_policy.budgets.at(i);
        const QStringList cells{b.name, b.team, b.feature, b.environment, b.window, b.timeZone, usdText(b.limit)};
        for (int c = 0; c < cells.size(); ++c)
            m_budgets->setItem(i, c, item(cells.at(c)));
    }
    m_updating = false;
    if (row >= 0 && row < m_rules->count())
        m_rules->setCurrentRow(row);
    ruleToForm(m_rules->currentRow());
}

void PoliciesPage::ruleToForm(int index)
{
    const bool has = index >= 0 && index < m_policy.rules.size();
    m_ruleForm->setEnabled(has);
    const Policy::Rule rule = has ? m_policy.rules.at(index) : Policy::Rule();
    const bool was = m_updating;
    m_updating = true;
    const Policy::Match &m = rule.match;
    m_ruleName->setText(rule.name);
    m_ruleModels->setText(m.models.join(QStringLiteral(", ")));
    m_ruleMinTokens->setValue(int(m.minPromptTokens.value_or(0)));
    m_ruleMaxTokens->setValue(int(m.maxPromptTokens.value_or(0)));
    m_ruleKeywords->setText(m.keywords.join(QStringLiteral(", ")));
    m_ruleRegex->setText(m.regex);
    m_ruleTeams->setText(m.teams.join(QStringLiteral(", ")));
    m_ruleFeatures->setText(m.features.join(QStringLiteral(", ")));
    m_ruleUsers->setText(m.users.join(QStringLiteral(", ")));
    m_ruleEnvironments->setText(m.environments.join(QStringLiteral(", ")));
    m_ruleTools->setCurrentIndex(!m.tools ? 0 : *m.tools ? 1 : 2);
    m_ruleFormat->setCurrentIndex(std::max(0, m_ruleFormat->findData(m.responseFormat)));
    m_ruleMaxOutput->setValue(int(m.maxTokensAtMost.value_or(0)));
    m_ruleAction->setCurrentIndex(rule.cascade ? 1 : 0);
    m_ruleTargets->setText(targetsText(rule.targets));
    m_ruleFallbacks->setText(targetsText(rule.fallbacks));
    m_ruleExact->setCurrentIndex(!rule.exactCache ? 0 : *rule.exactCache ? 1 : 2);
    m_ruleSemantic->setCurrentIndex(!rule.semanticCache ? 0 : *rule.semanticCache ? 1 : 2);
    m_updating = was;
}

void PoliciesPage::formToPolicy()
{
    if (m_updating)
        return;
    Policy::Policy &p = m_policy;
    p.name = m_name->text();
    const int index = m_rules->currentRow();
    if (index >= 0 && index < p.rules.size()) {
        Policy::Rule &rule = p.rules[index];
        rule.name = m_ruleName->text().trimmed();
        m_rules->item(index)->setText(rule.name);
        Policy::Match &m = rule.match;
        m.models = listOf(m_ruleModels);
        m.minPromptTokens = optionalOf(m_ruleMinTokens);
        m.maxPromptTokens = optionalOf(m_ruleMaxTokens);
        m.keywords = listOf(m_ruleKeywords);
        m.regex = m_ruleRegex->text();
        m.compiledRegex = QRegularExpression(m.regex, QRegularExpression::CaseInsensitiveOption);
        m.teams = listOf(m_ruleTeams);
        m.features = listOf(m_ruleFeatures);
        m.users = listOf(m_ruleUsers);
        m.environments = listOf(m_ruleEnvironments);
        m.tools =
            m_ruleTools->currentIndex() == 0 ? std::nullopt : std::optional<bool>(m_ruleTools->currentIndex() == 1);
        m.responseFormat = m_ruleFormat->currentData().toString();
        m.maxTokensAtMost = optionalOf(m_ruleMaxOutput);
        rule.cascade = m_ruleAction->currentIndex() == 1;
        rule.targets = targetsOf(m_ruleTargets);
        rule.fallbacks = targetsOf(m_ruleFallbacks);
        const auto tri = [](const QComboBox *c) {
            return c->currentIndex() == 0 ? std::nullopt : std::optional<bool>(c->currentIndex() == 1);
        };
        rule.exactCache = tri(m_ruleExact);
        rule.semanticCache = tri(m_ruleSemantic);
    }
    p.defaultFallbacks = targetsOf(m_defaultFallbacks);
    p.exact.enabled = m_exactEnabled->isChecked();
    p.exact.ttlSeconds = m_exactTtl->value();
    p.exact.maxEntries = m_exactEntries->value();
    // Spin boxes round what the document may hold exactly: only a changed value is taken.
    if (m_exactMegabytes->value() != int(std::max<qint64>(1, p.exact.maxBytes >> 20)))
        p.exact.maxBytes = qint64(m_exactMegabytes->value()) << 20;
    p.exact.scope = listOf(m_exactScope);
    p.semantic.enabled = m_semanticEnabled->isChecked();
    if (qAbs(m_threshold->value() - p.semantic.threshold) >= 0.005)
        p.semantic.threshold = m_threshold->value();
    p.semantic.embedding = m_embedding->currentData().toString();
    m_embeddingTarget->setEnabled(m_embedding->currentIndex() == 1);
    const auto embeddingTargets = targetsOf(m_embeddingTarget);
    p.semantic.embeddingTarget = embeddingTargets.isEmpty() ? Policy::Target() : embeddingTargets.first();
    p.semantic.metadata = listOf(m_semanticMetadata);
    p.cacheNondeterministic = m_nondeterministic->isChecked();
    for (int i = 0; i < p.budgets.size() && i < m_budgets->rowCount(); ++i) {
        const auto cell = [this, i](int c) {
            return m_budgets->item(i, c) ? m_budgets->item(i, c)->text().trimmed() : QString();
        };
        Policy::Budget &b = p.budgets[i];
        b.name = cell(0);
        b.team = cell(1);
        b.feature = cell(2);
        b.environment = cell(3);
        b.window = cell(4);
        b.timeZone = cell(5);
        b.limit = parseUsd(cell(6).toStdString()).value_or(0);
    }
    writeDocument();
}

void PoliciesPage::writeDocument()
{
    // The document shows what the form says; parsing it validates everything once.
    const QByteArray document = Policy::toDocument(m_policy);
    m_problems = Policy::parse(document).problems;
    m_updating = true;
    const int scroll = m_json->verticalScrollBar()->value();
    m_json->setPlainText(QString::fromUtf8(document));
    m_json->verticalScrollBar()->setValue(scroll);
    m_updating = false;
    documentChanged();
}

// ---- Versions

void PoliciesPage::refresh()
{
    const int ticket = m_latest.next();
    struct Loaded {
        QVector<Policy::VersionInfo> versions;
        QVector<Policy::AgentInfo> agents;
        QString latest;
    };
    inBackground(
        this, m_ledgerPath,
        [](Storage::Ledger &ledger) -> Result<Loaded> {
            auto versions = Policy::versions(ledger);
            if (!versions.ok())
                return versions.error();
            auto agents = Policy::agents(ledger);
            if (!agents.ok())
                return agents.error();
            Loaded out{*versions, *agents, {}};
            if (!out.versions.isEmpty()) {
                auto latest = Policy::load(ledger);
                if (latest.ok())
                    out.latest = QString::fromUtf8(Policy::toDocument(*latest));
            }
            return out;
        },
        [this, ticket](const Result<Loaded> &loaded) {
            if (!m_latest.isCurrent(ticket))
                return;
            if (!loaded.ok()) {
                m_validation->setText(loaded.error().message);
                emit refreshed();
                return;
            }
            m_versions = loaded->versions;
            m_agents = loaded->agents;
            const bool untouched = !m_loaded || documentText() == m_editorBaseText;
            if (untouched && !loaded->latest.isEmpty()) {
                setDocumentText(loaded->latest);
                m_editorBase = m_versions.first().version;
                m_editorBaseText = loaded->latest;
            } else if (!m_loaded) {
                m_editorBaseText = documentText();
            }
            m_loaded = true;
            m_history->setRowCount(int(m_versions.size()));
            for (int i = 0; i < m_versions.size(); ++i) {
                const Policy::VersionInfo &v = m_versions.at(i);
                m_history->setItem(i, 0, item(QString::number(v.version), kRight));
                m_history->setItem(
                    i, 1, item(QLocale().toString(QDateTime::fromMSecsSinceEpoch(v.createdMs), QLocale::ShortFormat)));
                m_history->setItem(i, 2, item(v.hash));
                m_history->setItem(i, 3, item(v.note));
            }
            if (!m_versions.isEmpty() && m_history->selectedItems().isEmpty())
                m_history->selectRow(0);
            showDiff(); // the rows under the selection may be other versions now
            showAgents();
            emit refreshed();
        });
}

bool PoliciesPage::saveVersion(const QString &note)
{
    if (!m_problems.isEmpty())
        return false;
    auto ledger = Storage::Ledger::open(m_ledgerPath);
    if (!ledger.ok()) {
        QMessageBox::warning(this, tr("Save Version"), ledger.error().message);
        return false;
    }
    const auto version = Policy::saveVersion(**ledger, m_policy, note, m_clock.nowMs());
    if (!version.ok()) {
        QMessageBox::warning(this, tr("Save Version"), version.error().message);
        return false;
    }
    m_loaded = false; // the editor shows the saved version, with its number
    refresh();
    return true;
}

void PoliciesPage::rollbackTo(qint64 version)
{
    const qint64 now = m_clock.nowMs();
    inBackground(
        this, m_ledgerPath, [version, now](Storage::Ledger &ledger) { return Policy::rollback(ledger, version, now); },
        [this](const Result<qint64> &saved) {
            if (!saved.ok())
                QMessageBox::warning(this, tr("Roll Back"), saved.error().message);
            m_loaded = false;
            refresh();
        });
}

void PoliciesPage::showDiff()
{
    QList<int> rows;
    for (const QModelIndex &index : m_history->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    if (rows.isEmpty() || rows.first() >= m_versions.size()) {
        m_diff->clear();
        return;
    }
    const qint64 newer = m_versions.at(rows.first()).version;
    const qint64 older = rows.size() > 1 && rows.last() < m_versions.size() ? m_versions.at(rows.last()).version
        : rows.first() + 1 < m_versions.size()                              ? m_versions.at(rows.first() + 1).version
                                                                            : 0;
    inBackground(
        this, m_ledgerPath,
        [newer, older](Storage::Ledger &ledger) -> Result<QStringList> {
            auto after = Policy::load(ledger, newer);
            if (!after.ok())
                return after.error();
            QByteArray before;
            if (older > 0) {
                auto b = Policy::load(ledger, older);
                if (!b.ok())
                    return b.error();
                before = Policy::toDocument(*b);
            }
            return Policy::diffLines(before, Policy::toDocument(*after));
        },
        [this, newer, older](const Result<QStringList> &lines) {
            m_diff->clear();
            if (!lines.ok()) {
                m_diff->setPlainText(lines.error().message);
                return;
            }
            QTextCursor cursor(m_diff->document());
            QTextCharFormat plain, added, removed;
            added.setForeground(QColor(0x1e, 0x6b, 0x30));
            added.setBackground(QColor(0xe3, 0xf4, 0xe6));
            removed.setForeground(QColor(0xa1, 0x28, 0x1c));
            removed.setBackground(QColor(0xfb, 0xe3, 0xe0));
            cursor.insertText(older ? tr("Version %1 against version %2").arg(newer).arg(older) + QLatin1Char('\n')
                                    : tr("Version %1, the first").arg(newer) + QLatin1Char('\n'),
                              plain);
            // The changes with three lines around each; the rest folded.
            const int context = older ? 3 : int(lines->size());
            QVector<bool> shown(lines->size(), false);
            for (int i = 0; i < lines->size(); ++i)
                if (!lines->at(i).startsWith(QLatin1String("  ")))
                    for (int j = std::max(0, i - context); j <= std::min(int(lines->size()) - 1, i + context); ++j)
                        shown[j] = true;
            bool folded = false;
            for (int i = 0; i < lines->size(); ++i) {
                const QString &line = lines->at(i);
                if (!shown[i]) {
                    if (!folded)
                        cursor.insertText(QStringLiteral("  ...\n"), plain);
                    folded = true;
                    continue;
                }
                folded = false;
                cursor.insertText(line + QLatin1Char('\n'),
                                  line.startsWith(QLatin1Char('+'))       ? added
                                      : line.startsWith(QLatin1Char('-')) ? removed
                                                                          : plain);
            }
        });
}

// ---- Backtest

void PoliciesPage::runBacktest()
{
    if (!m_problems.isEmpty()) {
        m_backtestSummary->setText(tr("The editor's document is not valid; fix it to backtest."));
        return;
    }
    const int days = m_backtestDays->currentData().toInt();
    const qint64 today = utcDay(m_clock.nowMs());
    Policy::BacktestOptions options;
    options.fromDay = today - days;
    options.toDay = today - 1;
    m_cancelBacktest = std::make_shared<std::atomic_bool>(false);
    auto cancel = m_cancelBacktest;
    const Policy::Policy policy = m_policy;
    QPointer<QProgressBar> progress = m_backtestProgress;
    m_backtestProgress->setValue(0);
    m_backtestProgress->setVisible(true);
    m_runBacktest->setEnabled(false);
    m_cancelBacktestButton->setEnabled(true);
    m_backtestSummary->setText(tr("Replaying %1 .. %2...").arg(isoDate(options.fromDay), isoDate(options.toDay)));
    inBackground(
        this, m_ledgerPath,
        [policy, options, cancel, progress](Storage::Ledger &ledger) {
            Policy::BacktestOptions o = options;
            o.cancel = cancel.get();
            o.progress = [progress](int percent) {
                QMetaObject::invokeMethod(progress, [progress, percent] {
                    if (progress)
                        progress->setValue(percent);
                });
            };
            return Policy::backtest(ledger, policy, o);
        },
        [this](const Result<Policy::Backtest> &result) {
            m_backtestProgress->setVisible(false);
            m_runBacktest->setEnabled(true);
            m_cancelBacktestButton->setEnabled(false);
            if (!result.ok()) {
                m_backtestSummary->setText(result.error().message);
                emit backtestDone();
                return;
            }
            m_backtest = *result;
            const Policy::Backtest &b = m_backtest;
            // Cents hide what small ledgers save: four decimals below a dollar.
            const auto money = [](Nano n) { return moneyText(QLocale(), n, std::abs(n) < kNanoPerUsd ? 4 : 2); };
            const Nano saving = b.costBefore - b.costAfter;
            QString summary =
                tr("%1 .. %2: %3 requests, %4. Routing: %4 → %5, saves %6 (%7 %).")
                    .arg(isoDate(b.fromDay), isoDate(b.toDay), QLocale().toString(b.requests), money(b.costBefore),
                         money(b.costAfter), money(saving))
                    .arg(b.costBefore ? QLocale().toString(100.0 * double(saving) / double(b.costBefore), 'f', 1)
                                      : QStringLiteral("0"));
            if (b.unpriced)
                summary +=
                    QLatin1Char(' ') + tr("%1 unpriced requests are left out.").arg(QLocale().toString(b.unpriced));
            summary += QLatin1Char('\n');
            summary += b.withPromptHash == 0
                ? tr("Exact cache: no request has a prompt hash (costgov-agent logs one), so repeats are "
                     "unknown.")
                : tr("Exact cache: %1 of %2 requests with a prompt hash repeat one within the TTL (%3 %), "
                     "%4 a cache would have saved.")
                      .arg(QLocale().toString(b.exactRepeats), QLocale().toString(b.withPromptHash))
                      .arg(QLocale().toString(100.0 * double(b.exactRepeats) / double(b.withPromptHash), 'f', 1))
                      .arg(money(b.repeatCost));
            if (std::any_of(b.rules.begin(), b.rules.end(), [](const auto &r) { return r.unknown > 0; }))
                summary += QLatin1Char('\n')
                    + tr("Unknown: requests a keyword, regex or parameter condition could not "
                         "be judged on (history keeps no prompt text); counted as not matching.");
            m_backtestSummary->setText(summary);
            m_backtestRules->setRowCount(int(b.rules.size()));
            for (int i = 0; i < b.rules.size(); ++i) {
                const Policy::RuleBacktest &r = b.rules.at(i);
                m_backtestRules->setItem(i, 0, item(r.rule));
                m_backtestRules->setItem(i, 1, item(QLocale().toString(r.matched), kRight));
                m_backtestRules->setItem(i, 2, item(QLocale().toString(r.rerouted), kRight));
                m_backtestRules->setItem(i, 3, item(QLocale().toString(r.unknown), kRight));
                m_backtestRules->setItem(i, 4, item(money(r.costBefore), kRight));
                m_backtestRules->setItem(i, 5, item(money(r.costAfter), kRight));
                m_backtestRules->setItem(i, 6, item(money(r.costBefore - r.costAfter), kRight));
            }
            emit backtestDone();
        });
}

// ---- Agents

void PoliciesPage::withTokens(const QStringList &agents, std::function<void(QHash<QString, QString>)> then)
{
    QHash<QString, QString> fromEnvironment;
    QStringList fromKeychain;
    for (const QString &a : agents) {
        if (QString token = Policy::agentTokenFromEnvironment(a, m_agents.size()); !token.isEmpty())
            fromEnvironment.insert(a, token);
        else
            fromKeychain.append(a);
    }
    // One keychain read after the other; what cannot be read stays empty (the push says so).
    auto tokens = std::make_shared<QHash<QString, QString>>(fromEnvironment);
    auto next = std::make_shared<std::function<void(int)>>();
    *next = [this, fromKeychain, tokens, next, then](int i) {
        if (i == fromKeychain.size()) {
            then(*tokens);
            *next = nullptr; // break the cycle
            return;
        }
        const QString agent = fromKeychain.at(i);
        Billing::readKeychainSecret(Policy::agentTokenEntry(agent), Policy::agentTokenVariable(agent), this,
                                    [tokens, next, agent, i](const Result<QString> &token) {
                                        if (token.ok())
                                            tokens->insert(agent, *token);
                                        (*next)(i + 1);
                                    });
    };
    (*next)(0);
}

void PoliciesPage::addAgent(const QString &name, const QString &url, const QString &token, const QString &caFile)
{
    auto ledger = Storage::Ledger::open(m_ledgerPath);
    const Status added = ledger.ok() ? Policy::addAgent(**ledger, name, url, caFile) : Status(ledger.error());
    if (!added) {
        QMessageBox::warning(this, tr("Add Agent"), added.error().message);
        return;
    }
    if (!token.isEmpty())
        Billing::writeKeychainSecret(Policy::agentTokenEntry(name), Policy::agentTokenVariable(name), token, this,
                                     [this](const Status &stored) {
                                         if (!stored)
                                             m_agentNote->setText(stored.error().message);
                                     });
    refreshAgents();
}

void PoliciesPage::refreshAgents()
{
    auto ledger = Storage::Ledger::open(m_ledgerPath);
    if (ledger.ok()) {
        if (auto list = Policy::agents(**ledger); list.ok())
            m_agents = *list;
    }
    showAgents();
    QStringList names;
    QHash<QString, Policy::AgentInfo> urls;
    for (const Policy::AgentInfo &a : m_agents) {
        names.append(a.name);
        urls.insert(a.name, a);
    }
    m_agentNote->setText(tr("Reading the agents' status..."));
    withTokens(names, [this, urls](const QHash<QString, QString> &tokens) {
        inBackground(
            this, m_ledgerPath,
            [urls, tokens](Storage::Ledger &) -> Result<QHash<QString, Policy::AgentStatus>> {
                QHash<QString, Policy::AgentStatus> out;
                for (auto it = urls.begin(); it != urls.end(); ++it) {
                    Policy::AgentStatus s;
                    if (tokens.value(it.key()).isEmpty())
                        s.error = QObject::tr("no token: add the agent again with its token, or set %1")
                                      .arg(Policy::agentTokenVariable(it.key()));
                    else
                        s = Policy::agentStatus(it->url, tokens.value(it.key()), 3000, it->caFile);
                    out.insert(it.key(), s);
                }
                return out;
            },
            [this](const Result<QHash<QString, Policy::AgentStatus>> &status) {
                if (status.ok())
                    m_agentStatus = *status;
                m_agentNote->clear();
                showAgents();
                emit agentsUpdated();
            });
    });
}

void PoliciesPage::pushToAgents()
{
    QStringList chosen;
    for (const QModelIndex &index : m_agentTable->selectionModel()->selectedRows())
        if (index.row() < m_agents.size())
            chosen.append(m_agents.at(index.row()).name);
    if (chosen.isEmpty())
        for (const Policy::AgentInfo &a : m_agents)
            chosen.append(a.name);
    if (chosen.isEmpty()) {
        m_agentNote->setText(tr("Add an agent first."));
        return;
    }
    if (m_versions.isEmpty()) {
        m_agentNote->setText(tr("Save a version first: agents get saved versions only."));
        return;
    }
    if (documentText() != m_editorBaseText)
        m_agentNote->setText(tr("The editor has unsaved changes; pushing the latest saved version, %1.")
                                 .arg(m_versions.first().version));
    else
        m_agentNote->setText(tr("Pushing version %1...").arg(m_versions.first().version));
    QVector<Policy::AgentInfo> agents;
    for (const Policy::AgentInfo &a : m_agents)
        if (chosen.contains(a.name))
            agents.append(a);
    const qint64 now = m_clock.nowMs();
    withTokens(chosen, [this, agents, now](const QHash<QString, QString> &tokens) {
        inBackground(
            this, m_ledgerPath,
            [agents, tokens, now](Storage::Ledger &ledger) -> Result<QHash<QString, QString>> {
                const auto tokenFor = [&tokens](const QString &agent) -> Result<QString> {
                    if (tokens.value(agent).isEmpty())
                        return makeError(ErrorCode::Usage,
                                         QObject::tr("no token: add the agent again with its token, or set %1")
                                             .arg(Policy::agentTokenVariable(agent)));
                    return tokens.value(agent);
                };
                const auto report = Policy::pushVersion(ledger, std::nullopt, true, agents, tokenFor, now);
                if (!report.ok())
                    return report.error();
                QHash<QString, QString> results;
                for (const Policy::AgentPush &a : report->agents)
                    results.insert(a.agent, (a.result.ok ? QString() : QObject::tr("FAILED: ")) + a.result.message);
                return results;
            },
            [this](const Result<QHash<QString, QString>> &results) {
                if (!results.ok()) {
                    m_agentNote->setText(results.error().message);
                    return;
                }
                m_pushResults = *results;
                refreshAgents();
            });
    });
}

void PoliciesPage::showAgents()
{
    const qint64 desired = m_versions.isEmpty() ? 0 : m_versions.first().version;
    m_agentTable->setRowCount(int(m_agents.size()));
    for (int i = 0; i < m_agents.size(); ++i) {
        const Policy::AgentInfo &a = m_agents.at(i);
        const auto s = m_agentStatus.constFind(a.name);
        QString version = QStringLiteral("?"), state = tr("not read yet"), up;
        QColor color;
        if (s != m_agentStatus.constEnd()) {
            if (s->reachable) {
                version = QString::number(s->version);
                up = tr("%1 h %2 min").arg(s->uptimeSeconds / 3600).arg(s->uptimeSeconds / 60 % 60);
                if (s->version == desired) {
                    state = tr("in step");
                    color = QColor(0x1e, 0x6b, 0x30);
                } else {
                    state = tr("drift: runs %1, latest is %2").arg(s->version).arg(desired);
                    color = QColor(0xa1, 0x5c, 0x00);
                }
            } else {
                state = tr("unreachable: %1").arg(s->error);
                color = QColor(0xa1, 0x28, 0x1c);
            }
        }
        const QString result = m_pushResults.value(a.name, a.lastResult);
        m_agentTable->setItem(i, 0, item(a.name));
        m_agentTable->setItem(i, 1, item(a.url));
        m_agentTable->setItem(i, 2, item(version, kRight));
        auto *stateItem = item(state);
        if (color.isValid())
            stateItem->setForeground(color);
        m_agentTable->setItem(i, 3, stateItem);
        m_agentTable->setItem(i, 4, item(up));
        m_agentTable->setItem(i, 5, item(result));
    }
}

} // namespace CostGov::Ui
