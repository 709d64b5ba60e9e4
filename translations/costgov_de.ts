<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CostGov::Alerts</name>
    <message>
        <source>Still in alert: %1</source>
        <translation>Weiterhin Alarm: %1</translation>
    </message>
    <message>
        <source>Alert: %1</source>
        <translation>Alarm: %1</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>Warnung: %1</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::AlertCenter</name>
    <message>
        <source>Alerts</source>
        <translation>Warnungen</translation>
    </message>
    <message>
        <source>The alert rules could not be evaluated: %1</source>
        <translation>Die Warnregeln konnten nicht ausgewertet werden: %1</translation>
    </message>
    <message>
        <source>Webhook: delivered at %1</source>
        <translation>Webhook: zugestellt um %1</translation>
    </message>
    <message>
        <source>Webhook: delivered at %1 (attempt %2)</source>
        <translation>Webhook: zugestellt um %1 (Versuch %2)</translation>
    </message>
    <message>
        <source>Webhook: %1; trying again (attempt %2 of %3)</source>
        <translation>Webhook: %1; neuer Versuch (%2 von %3)</translation>
    </message>
    <message>
        <source>Webhook: not delivered (%1 after %2 attempts)</source>
        <translation>Webhook: nicht zugestellt (%1 nach %2 Versuchen)</translation>
    </message>
    <message>
        <source>&amp;Open Cost Governor</source>
        <translation>Cost Governor ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Pause Alerts for 1 &amp;Hour</source>
        <translation>Warnungen 1 &amp;Stunde pausieren</translation>
    </message>
    <message>
        <source>Pause Alerts until &amp;Tomorrow</source>
        <translation>Warnungen bis &amp;morgen pausieren</translation>
    </message>
    <message>
        <source>&amp;Resume Alerts</source>
        <translation>Warnungen &amp;fortsetzen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>something is in alert</source>
        <translation>etwas ist im Alarm</translation>
    </message>
    <message>
        <source>a warning</source>
        <translation>eine Warnung</translation>
    </message>
    <message>
        <source>all clear</source>
        <translation>alles in Ordnung</translation>
    </message>
    <message>
        <source>Cost Governor: alerts paused until %1</source>
        <translation>Cost Governor: Warnungen pausiert bis %1</translation>
    </message>
    <message>
        <source>Cost Governor: %1</source>
        <translation>Cost Governor: %1</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::AlertsPage</name>
    <message>
        <source>&amp;Evaluate Now</source>
        <translation>Jetzt &amp;auswerten</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Gruppe</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Seit</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Warum</translation>
    </message>
    <message>
        <source>&amp;Acknowledge</source>
        <translation>&amp;Bestätigen</translation>
    </message>
    <message>
        <source>No more reminders for this alert until its state changes.</source>
        <translation>Keine Erinnerungen mehr für diese Warnung, bis sich ihr Zustand ändert.</translation>
    </message>
    <message>
        <source>&amp;Snooze</source>
        <translation>&amp;Schlummern</translation>
    </message>
    <message>
        <source>For 1 Hour</source>
        <translation>Für 1 Stunde</translation>
    </message>
    <message>
        <source>For 4 Hours</source>
        <translation>Für 4 Stunden</translation>
    </message>
    <message>
        <source>For 1 Day</source>
        <translation>Für 1 Tag</translation>
    </message>
    <message>
        <source>For 1 Week</source>
        <translation>Für 1 Woche</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Watches</source>
        <translation>Überwacht</translation>
    </message>
    <message>
        <source>&amp;Add Rule...</source>
        <translation>Regel &amp;hinzufügen …</translation>
    </message>
    <message>
        <source>&amp;Remove...</source>
        <translation>&amp;Entfernen …</translation>
    </message>
    <message>
        <source>Remove Rule</source>
        <translation>Regel entfernen</translation>
    </message>
    <message>
        <source>Remove the rule &quot;%1&quot;? Its history stays.</source>
        <translation>Die Regel „%1“ entfernen? Ihr Verlauf bleibt erhalten.</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>Regeln</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Wann</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Änderung</translation>
    </message>
    <message>
        <source>Notified</source>
        <translation>Benachrichtigt</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>https://hooks.slack.com/services/... (empty: none)</source>
        <translation>https://hooks.slack.com/services/… (leer: keiner)</translation>
    </message>
    <message>
        <source>&amp;Webhook URL:</source>
        <translation>&amp;Webhook-URL:</translation>
    </message>
    <message>
        <source>Each notification is POSTed as JSON with a Slack-compatible &quot;text&quot; and the rule, group, state and figures; failures are retried 3 times.</source>
        <translation>Jede Benachrichtigung wird als JSON mit einem Slack-kompatiblen „text“ sowie Regel, Gruppe, Zustand und Zahlen per POST gesendet; Fehlschläge werden bis zu 3-mal wiederholt.</translation>
    </message>
    <message>
        <source>Closing the window keeps Cost Governor running in the system tray</source>
        <translation>Beim Schließen des Fensters läuft Cost Governor im Systembereich der Kontrollleiste weiter</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <source> (acknowledged)</source>
        <translation> (bestätigt)</translation>
    </message>
    <message>
        <source> (snoozed until %1)</source>
        <translation> (schlummert bis %1)</translation>
    </message>
    <message>
        <source>Active (%1)</source>
        <translation>Aktiv (%1)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>No rules yet: add a budget or an alert rule.</source>
        <translation>Noch keine Regeln: Ein Budget oder eine Warnregel hinzufügen.</translation>
    </message>
    <message>
        <source>%1 rules; %2 in alert.</source>
        <translation>%1 Regeln; %2 im Alarm.</translation>
    </message>
    <message>
        <source>Notifications paused until %1.</source>
        <translation>Benachrichtigungen pausiert bis %1.</translation>
    </message>
    <message>
        <source>No system tray: notifications show in this window.</source>
        <translation>Kein Systembereich: Benachrichtigungen erscheinen in diesem Fenster.</translation>
    </message>
    <message>
        <source>Resets %1</source>
        <translation>Beginnt neu am %1</translation>
    </message>
    <message>
        <source>No budgets yet. Add one under Rules (kind: budget).</source>
        <translation>Noch keine Budgets. Unter „Regeln“ eines hinzufügen (Art: budget).</translation>
    </message>
    <message>
        <source>Add Rule</source>
        <translation>Regel hinzufügen</translation>
    </message>
    <message>
        <source>The rule was not added: %1</source>
        <translation>Die Regel wurde nicht hinzugefügt: %1</translation>
    </message>
    <message>
        <source>Add an Alert Rule</source>
        <translation>Warnregel hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Art:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>Alles</translation>
    </message>
    <message>
        <source>All together</source>
        <translation>Alles zusammen</translation>
    </message>
    <message>
        <source>Each %1</source>
        <translation>Je %1</translation>
    </message>
    <message>
        <source>values, comma separated</source>
        <translation>Werte, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>&amp;Scope:</source>
        <translation>&amp;Umfang:</translation>
    </message>
    <message>
        <source>&amp;Per:</source>
        <translation>&amp;Pro:</translation>
    </message>
    <message>
        <source>&amp;Amount:</source>
        <translation>&amp;Betrag:</translation>
    </message>
    <message>
        <source>&amp;Window:</source>
        <translation>&amp;Zeitraum:</translation>
    </message>
    <message>
        <source>&amp;Time zone:</source>
        <translation>&amp;Zeitzone:</translation>
    </message>
    <message>
        <source>&amp;Thresholds (%):</source>
        <translation>&amp;Schwellen (%):</translation>
    </message>
    <message>
        <source>Hard budget (agents will refuse requests past it)</source>
        <translation>Hartes Budget (Agenten lehnen Anfragen darüber hinaus ab)</translation>
    </message>
    <message>
        <source>&amp;Limit (%):</source>
        <translation>&amp;Grenze (%):</translation>
    </message>
    <message>
        <source> h</source>
        <translation> h</translation>
    </message>
    <message>
        <source>Silent &amp;for:</source>
        <translation>Still &amp;seit:</translation>
    </message>
    <message>
        <source>&amp;Minimum requests:</source>
        <translation>&amp;Mindestanzahl Anfragen:</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>&amp;Remind every:</source>
        <translation>&amp;Erinnern alle:</translation>
    </message>
    <message>
        <source>Last 90 days:</source>
        <translation>Letzte 90 Tage:</translation>
    </message>
    <message>
        <source>Not a valid rule yet: %1</source>
        <translation>Noch keine gültige Regel: %1</translation>
    </message>
    <message>
        <source>Backtesting...</source>
        <translation>Rückblick läuft …</translation>
    </message>
    <message>
        <source>Would not have notified.</source>
        <translation>Hätte nicht benachrichtigt.</translation>
    </message>
    <message>
        <source>Would have notified %1 times, on %2 days: %3</source>
        <translation>Hätte %1-mal benachrichtigt, an %2 Tagen: %3</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::BillingPage</name>
    <message>
        <source>What OpenAI and Anthropic billed (their admin APIs) against the metered requests (your logs). Coverage is metered / billed: what your logs explain of the bill.</source>
        <translation>Was OpenAI und Anthropic abgerechnet haben (ihre Admin-APIs), gegenüber den gemessenen Anfragen (Ihre Protokolle). Abdeckung ist gemessen / abgerechnet: was Ihre Protokolle von der Rechnung erklären.</translation>
    </message>
    <message>
        <source>&amp;Month:</source>
        <translation>&amp;Monat:</translation>
    </message>
    <message>
        <source>&amp;Sync Now</source>
        <translation>Jetzt &amp;synchronisieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Billed</source>
        <translation>Abgerechnet</translation>
    </message>
    <message>
        <source>Metered</source>
        <translation>Gemessen</translation>
    </message>
    <message>
        <source>Delta</source>
        <translation>Differenz</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>Abdeckung</translation>
    </message>
    <message>
        <source>Unpriced requests</source>
        <translation>Anfragen ohne Preis</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>Billed project or workspace no request names</source>
        <translation>Abgerechnetes Projekt oder Workspace, das keine Anfrage nennt</translation>
    </message>
    <message>
        <source>The ledger cannot be read: %1</source>
        <translation>Das Hauptbuch kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Nothing billed or metered in this month.</source>
        <translation>In diesem Monat nichts abgerechnet oder gemessen.</translation>
    </message>
    <message>
        <source>(none: organisation-wide)</source>
        <translation>(keines: organisationsweit)</translation>
    </message>
    <message>
        <source>%1, %2: billed and metered per day</source>
        <translation>%1, %2: abgerechnet und gemessen pro Tag</translation>
    </message>
    <message>
        <source>Day of the month</source>
        <translation>Tag des Monats</translation>
    </message>
    <message>
        <source>&amp;Create Rule...</source>
        <translation>&amp;Regel anlegen …</translation>
    </message>
    <message>
        <source>Attribute the selected project&apos;s billed cost to a team and feature.</source>
        <translation>Die abgerechneten Kosten des gewählten Projekts einem Team und einer Funktion zuordnen.</translation>
    </message>
    <message>
        <source>Create an Attribution Rule</source>
        <translation>Zuordnungsregel anlegen</translation>
    </message>
    <message>
        <source>Billed cost of %1 belongs to:</source>
        <translation>Abgerechnete Kosten von %1 gehören zu:</translation>
    </message>
    <message>
        <source>unallocated</source>
        <translation>nicht zugeordnet</translation>
    </message>
    <message>
        <source>&amp;Team:</source>
        <translation>&amp;Team:</translation>
    </message>
    <message>
        <source>&amp;Feature:</source>
        <translation>&amp;Funktion:</translation>
    </message>
    <message>
        <source>Applying the rules...</source>
        <translation>Regeln werden angewendet …</translation>
    </message>
    <message>
        <source>Rule added: %1 billed rows ($%2) now belong to %3.</source>
        <translation>Regel angelegt: %1 abgerechnete Zeilen ($%2) gehören jetzt zu %3.</translation>
    </message>
    <message>
        <source>The rule was not added: %1</source>
        <translation>Die Regel wurde nicht angelegt: %1</translation>
    </message>
    <message>
        <source>Fetch the bills and the usage behind them for every provider connection of the Sources page (the last days again: providers revise them).</source>
        <translation>Die Rechnungen und die Nutzung dahinter für jede Anbieterverbindung der Seite „Quellen“ abrufen (die letzten Tage erneut: Anbieter korrigieren sie).</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::ChargebackPage</name>
    <message>
        <source>Proportional to direct spend</source>
        <translation>Anteilig zu den direkten Ausgaben</translation>
    </message>
    <message>
        <source>Evenly</source>
        <translation>Gleichmäßig</translation>
    </message>
    <message>
        <source>Fixed percentages from a file...</source>
        <translation>Feste Prozentsätze aus einer Datei …</translation>
    </message>
    <message>
        <source>Not split (an Unallocated line)</source>
        <translation>Nicht aufgeteilt (eine Zeile „Unallocated“)</translation>
    </message>
    <message>
        <source>&amp;Month:</source>
        <translation>&amp;Monat:</translation>
    </message>
    <message>
        <source>Cost centre &amp;by:</source>
        <translation>Kostenstelle &amp;nach:</translation>
    </message>
    <message>
        <source>S&amp;hared cost:</source>
        <translation>&amp;Gemeinkosten:</translation>
    </message>
    <message>
        <source>Fixed Percentages</source>
        <translation>Feste Prozentsätze</translation>
    </message>
    <message>
        <source>CSV (cost centre,percent) (*.csv *.txt)</source>
        <translation>CSV (Kostenstelle,Prozent) (*.csv *.txt)</translation>
    </message>
    <message>
        <source>Cost centre</source>
        <translation>Kostenstelle</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Basis</source>
        <translation>Grundlage</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Betrag</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>Anteil</translation>
    </message>
    <message>
        <source>Folder for the PDF Statements</source>
        <translation>Ordner für die PDF-Abrechnungen</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Exported to %1.</source>
        <translation>Exportiert nach %1.</translation>
    </message>
    <message>
        <source>Export &amp;CSV...</source>
        <translation>&amp;CSV exportieren …</translation>
    </message>
    <message>
        <source>Export &amp;FOCUS...</source>
        <translation>&amp;FOCUS exportieren …</translation>
    </message>
    <message>
        <source>Export &amp;PDFs...</source>
        <translation>&amp;PDFs exportieren …</translation>
    </message>
    <message>
        <source>C&amp;lose Month...</source>
        <translation>Monat ab&amp;schließen …</translation>
    </message>
    <message>
        <source>Close Month</source>
        <translation>Monat abschließen</translation>
    </message>
    <message>
        <source>Close %1? Its statement stays as issued; data that arrives later for it becomes adjustments in the next open month.</source>
        <translation>%1 abschließen? Die Abrechnung bleibt wie ausgestellt; später eintreffende Daten dafür werden zu Korrekturen im nächsten offenen Monat.</translation>
    </message>
    <message>
        <source>&amp;Re-open Month...</source>
        <translation>Monat wieder ö&amp;ffnen …</translation>
    </message>
    <message>
        <source>Re-open Month</source>
        <translation>Monat wieder öffnen</translation>
    </message>
    <message>
        <source>Why is %1 re-opened? (recorded)</source>
        <translation>Warum wird %1 wieder geöffnet? (wird festgehalten)</translation>
    </message>
    <message>
        <source>Allocated %1 = period total %2 (billed %3, metered where no bill %4): difference %5.</source>
        <translation>Verteilt %1 = Summe des Zeitraums %2 (berechnet %3, gemessen ohne Rechnung %4): Differenz %5.</translation>
    </message>
    <message>
        <source>Closed %1: shown as issued.</source>
        <translation>Abgeschlossen %1: wie ausgestellt angezeigt.</translation>
    </message>
    <message>
        <source>%1 requests have no price and are not included.</source>
        <translation>%1 Anfragen haben keinen Preis und sind nicht enthalten.</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 nach %2</translation>
    </message>
    <message>
        <source>%1 closed.</source>
        <translation>%1 abgeschlossen.</translation>
    </message>
    <message>
        <source>%1 re-opened.</source>
        <translation>%1 wieder geöffnet.</translation>
    </message>
    <message>
        <source>Cost Centres...</source>
        <translation>Kostenstellen …</translation>
    </message>
    <message>
        <source>Map values to cost centres and owners from a CSV file (value,cost centre,owner e-mail). Cancel the file dialog to map nothing.</source>
        <translation>Werte aus einer CSV-Datei Kostenstellen und Verantwortlichen zuordnen (Wert,Kostenstelle,E-Mail). Den Dateidialog abbrechen, um nichts zuzuordnen.</translation>
    </message>
    <message>
        <source>Cost Centres</source>
        <translation>Kostenstellen</translation>
    </message>
    <message>
        <source>CSV (value,cost centre,owner) (*.csv *.txt)</source>
        <translation>CSV (Wert,Kostenstelle,Verantwortliche) (*.csv *.txt)</translation>
    </message>
    <message>
        <source>Cost Centres: %1</source>
        <translation>Kostenstellen: %1</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::ConnectionsPanel</name>
    <message>
        <source>On demand</source>
        <translation>Bei Bedarf</translation>
    </message>
    <message>
        <source>Every %1 h</source>
        <translation>Alle %1 h</translation>
    </message>
    <message>
        <source>&lt;b&gt;Provider connections&lt;/b&gt;: the bills of OpenAI and Anthropic, fetched with an organization admin key kept in the system keychain.</source>
        <translation>&lt;b&gt;Anbieterverbindungen&lt;/b&gt;: die Rechnungen von OpenAI und Anthropic, abgerufen mit einem Organisations-Admin-Schlüssel aus dem Schlüsselbund des Systems.</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Admin key</source>
        <translation>Admin-Schlüssel</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>Letzter Abgleich</translation>
    </message>
    <message>
        <source>Last result</source>
        <translation>Letztes Ergebnis</translation>
    </message>
    <message>
        <source>&amp;Add Connection...</source>
        <translation>Verbindung &amp;hinzufügen …</translation>
    </message>
    <message>
        <source>&amp;Edit...</source>
        <translation>&amp;Bearbeiten …</translation>
    </message>
    <message>
        <source>&amp;Test</source>
        <translation>&amp;Testen</translation>
    </message>
    <message>
        <source>S&amp;ync Now</source>
        <translation>Jetzt a&amp;bgleichen</translation>
    </message>
    <message>
        <source>Cancel Sync</source>
        <translation>Abgleich abbrechen</translation>
    </message>
    <message>
        <source>&amp;Remove...</source>
        <translation>&amp;Entfernen …</translation>
    </message>
    <message>
        <source>Cancelling...</source>
        <translation>Wird abgebrochen …</translation>
    </message>
    <message>
        <source>Remove Connection</source>
        <translation>Verbindung entfernen</translation>
    </message>
    <message>
        <source>Remove the %1 connection and delete its admin key from the keychain? Billing data already synced stays in the ledger.</source>
        <translation>Die Verbindung zu %1 entfernen und ihren Admin-Schlüssel aus dem Schlüsselbund löschen? Bereits abgeglichene Rechnungsdaten bleiben im Hauptbuch.</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>From %1</source>
        <translation>Aus %1</translation>
    </message>
    <message>
        <source>Keychain</source>
        <translation>Schlüsselbund</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Add a Provider Connection</source>
        <translation>Anbieterverbindung hinzufügen</translation>
    </message>
    <message>
        <source>Edit the Provider Connection</source>
        <translation>Anbieterverbindung bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Provider:</source>
        <translation>&amp;Anbieter:</translation>
    </message>
    <message>
        <source>sk-admin-... (OpenAI) or sk-ant-admin... (Anthropic)</source>
        <translation>sk-admin-… (OpenAI) oder sk-ant-admin… (Anthropic)</translation>
    </message>
    <message>
        <source>Leave empty to keep the stored key</source>
        <translation>Leer lassen, um den gespeicherten Schlüssel zu behalten</translation>
    </message>
    <message>
        <source>Admin &amp;key:</source>
        <translation>Admin-&amp;Schlüssel:</translation>
    </message>
    <message>
        <source>An organization admin key with access to usage and costs. It is kept in the system keychain, never in Cost Governor&apos;s files.</source>
        <translation>Ein Organisations-Admin-Schlüssel mit Zugriff auf Nutzung und Kosten. Er liegt im Schlüsselbund des Systems, nie in den Dateien von Cost Governor.</translation>
    </message>
    <message>
        <source>The provider&apos;s own (leave empty)</source>
        <translation>Die des Anbieters (leer lassen)</translation>
    </message>
    <message>
        <source>API &amp;address:</source>
        <translation>API-A&amp;dresse:</translation>
    </message>
    <message>
        <source> h</source>
        <translation> h</translation>
    </message>
    <message>
        <source>Only on demand</source>
        <translation>Nur bei Bedarf</translation>
    </message>
    <message>
        <source>&amp;Sync every:</source>
        <translation>Ab&amp;gleich alle:</translation>
    </message>
    <message>
        <source>The API address must be a URL such as https://api.openai.com.</source>
        <translation>Die API-Adresse muss eine URL wie https://api.openai.com sein.</translation>
    </message>
    <message>
        <source>Enter the admin key.</source>
        <translation>Bitte den Admin-Schlüssel eingeben.</translation>
    </message>
    <message>
        <source>Storing the key in the keychain...</source>
        <translation>Der Schlüssel wird im Schlüsselbund gespeichert …</translation>
    </message>
    <message>
        <source>The key was not stored: %1</source>
        <translation>Der Schlüssel wurde nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>The %1 connection and its key were removed.</source>
        <translation>Die Verbindung zu %1 und ihr Schlüssel wurden entfernt.</translation>
    </message>
    <message>
        <source>The connection was removed, but its key could not be deleted: %1</source>
        <translation>Die Verbindung wurde entfernt, ihr Schlüssel konnte aber nicht gelöscht werden: %1</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::ExplorerPage</name>
    <message>
        <source>&amp;Group by:</source>
        <translation>&amp;Gruppieren nach:</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Filter rows</source>
        <translation>Zeilen filtern</translation>
    </message>
    <message>
        <source>&amp;Export CSV...</source>
        <translation>CSV &amp;exportieren …</translation>
    </message>
    <message>
        <source>Export the Table</source>
        <translation>Tabelle exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Export Failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <source>Loading...</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>The ledger cannot be read: %1</source>
        <translation>Das Hauptbuch kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>%1 rows · %2 requests · %3</source>
        <translation>%1 Zeilen · %2 Anfragen · %3</translation>
    </message>
    <message>
        <source>unpriced</source>
        <translation>ohne Preis</translation>
    </message>
    <message>
        <source> (%1 requests without a price are not in it)</source>
        <translation> (%1 Anfragen ohne Preis sind nicht enthalten)</translation>
    </message>
    <message>
        <source>&amp;Columns</source>
        <translation>S&amp;palten</translation>
    </message>
    <message>
        <source>Double-click a row to see its requests.</source>
        <translation>Doppelklick auf eine Zeile zeigt ihre Anfragen.</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::FilterBar</name>
    <message>
        <source>Filter by %1</source>
        <translation>Nach %1 filtern</translation>
    </message>
    <message>
        <source>Search values</source>
        <translation>Werte suchen</translation>
    </message>
    <message>
        <source>Loading values...</source>
        <translation>Werte werden geladen …</translation>
    </message>
    <message>
        <source>Check &amp;All Shown</source>
        <translation>&amp;Alle angezeigten auswählen</translation>
    </message>
    <message>
        <source>Check &amp;None</source>
        <translation>&amp;Keine auswählen</translation>
    </message>
    <message>
        <source>The ledger cannot be read: %1</source>
        <translation>Das Hauptbuch kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>unpriced</source>
        <translation>ohne Preis</translation>
    </message>
    <message>
        <source>%1    (nothing in the range)</source>
        <translation>%1    (nichts im Zeitraum)</translation>
    </message>
    <message>
        <source>Filters:</source>
        <translation>Filter:</translation>
    </message>
    <message>
        <source>&amp;Add Filter</source>
        <translation>Filter &amp;hinzufügen</translation>
    </message>
    <message>
        <source>Clear Filters</source>
        <translation>Filter entfernen</translation>
    </message>
    <message>
        <source> +%1</source>
        <translation> +%1</translation>
    </message>
    <message>
        <source>Showing only %1: %2. Click to change.</source>
        <translation>Nur %1: %2. Zum Ändern klicken.</translation>
    </message>
    <message>
        <source>Remove this filter</source>
        <translation>Diesen Filter entfernen</translation>
    </message>
    <message>
        <source>Remove the %1 filter</source>
        <translation>Den Filter %1 entfernen</translation>
    </message>
    <message>
        <source>Values with requests in the range: %1</source>
        <translation>Werte mit Anfragen im Zeitraum: %1</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::KpiTile</name>
    <message>
        <source>no figure to compare in %1</source>
        <translation>kein Vergleichswert in %1</translation>
    </message>
    <message>
        <source>%1 %2 pts vs %3</source>
        <translation>%1 %2 Pkt. ggü. %3</translation>
    </message>
    <message>
        <source>%1 %2% vs %3</source>
        <translation>%1 %2 % ggü. %3</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::MainWindow</name>
    <message>
        <source>Cost Governor</source>
        <translation>Cost Governor</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Quellen</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Import Files...</source>
        <translation>Dateien &amp;importieren …</translation>
    </message>
    <message>
        <source>Ctrl+I</source>
        <translation>Ctrl+I</translation>
    </message>
    <message>
        <source>Import &amp;Folder...</source>
        <translation>&amp;Ordner importieren …</translation>
    </message>
    <message>
        <source>Ctrl+Shift+I</source>
        <translation>Ctrl+Shift+I</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>Aktualisie&amp;ren</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About Cost Governor</source>
        <translation>Ü&amp;ber Cost Governor</translation>
    </message>
    <message>
        <source>About Cost Governor</source>
        <translation>Über Cost Governor</translation>
    </message>
    <message>
        <source>Import request logs from LiteLLM, OpenTelemetry GenAI spans, Claude Code sessions, Bedrock invocation logs or Cost Governor&apos;s own JSONL. Importing a file again adds only what is new.</source>
        <translation>Importieren Sie Anfrageprotokolle aus LiteLLM, OpenTelemetry-GenAI-Spans, Claude-Code-Sitzungen, Bedrock-Aufrufprotokollen oder dem JSONL-Format von Cost Governor. Ein erneuter Import einer Datei fügt nur Neues hinzu.</translation>
    </message>
    <message>
        <source>Import Files...</source>
        <translation>Dateien importieren …</translation>
    </message>
    <message>
        <source>Import Folder...</source>
        <translation>Ordner importieren …</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Import Request Logs</source>
        <translation>Anfrageprotokolle importieren</translation>
    </message>
    <message>
        <source>Request logs (*.jsonl *.json *.csv *.log);;All files (*)</source>
        <translation>Anfrageprotokolle (*.jsonl *.json *.csv *.log);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Import a Folder of Request Logs</source>
        <translation>Ordner mit Anfrageprotokollen importieren</translation>
    </message>
    <message>
        <source>An import is already running.</source>
        <translation>Es läuft bereits ein Import.</translation>
    </message>
    <message>
        <source>Import failed: %1</source>
        <translation>Import fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Import failed</source>
        <translation>Import fehlgeschlagen</translation>
    </message>
    <message>
        <source>Import cancelled: %1 requests imported before stopping.</source>
        <translation>Import abgebrochen: %1 Anfragen wurden vor dem Abbruch importiert.</translation>
    </message>
    <message>
        <source>Imported %1 requests.</source>
        <translation>%1 Anfragen importiert.</translation>
    </message>
    <message>
        <source>Files: %1 (%2 unchanged, %3 not recognized). Lines: %4, duplicates: %5, skipped: %6, quarantined: %7, unpriced: %8.</source>
        <translation>Dateien: %1 (%2 unverändert, %3 nicht erkannt). Zeilen: %4, Duplikate: %5, übersprungen: %6, in Quarantäne: %7, ohne Preis: %8.</translation>
    </message>
    <message>
        <source>Import finished</source>
        <translation>Import abgeschlossen</translation>
    </message>
    <message>
        <source>&lt;b&gt;The ledger cannot be read.&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;Das Hauptbuch kann nicht gelesen werden.&lt;/b&gt; %1</translation>
    </message>
    <message>
        <source>Ledger unavailable</source>
        <translation>Hauptbuch nicht verfügbar</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;%1 requests have no price&lt;/b&gt; and are not in this total.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;%1 Anfragen haben keinen Preis&lt;/b&gt; und sind in dieser Summe nicht enthalten.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Import Running</source>
        <translation>Import läuft</translation>
    </message>
    <message>
        <source>An import is running. Stop it and quit? What was read so far is kept.</source>
        <translation>Ein Import läuft. Abbrechen und beenden? Bereits Gelesenes bleibt erhalten.</translation>
    </message>
    <message>
        <source>Import Logs...</source>
        <translation>Protokolle importieren …</translation>
    </message>
    <message>
        <source>Connect a Provider...</source>
        <translation>Anbieter verbinden …</translation>
    </message>
    <message>
        <source>Load Demo Data</source>
        <translation>Demodaten laden</translation>
    </message>
    <message>
        <source>90 days of a made-up organisation&apos;s LLM traffic, generated on this computer (about 2.4 million requests; takes about 20 seconds).</source>
        <translation>90 Tage LLM-Verkehr einer erfundenen Organisation, auf diesem Computer erzeugt (etwa 2,4 Millionen Anfragen; dauert etwa 20 Sekunden).</translation>
    </message>
    <message>
        <source>&lt;h2&gt;No spend recorded yet&lt;/h2&gt;&lt;p&gt;Import request logs from your proxies and agents (&lt;b&gt;File &amp;gt; Import Files&lt;/b&gt;, Ctrl+I), or load demo data to look around first.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Noch keine Ausgaben erfasst&lt;/h2&gt;&lt;p&gt;Importieren Sie Anfrageprotokolle Ihrer Proxys und Agenten (&lt;b&gt;Datei &amp;gt; Dateien importieren&lt;/b&gt;, Ctrl+I) oder laden Sie Demodaten, um sich zuerst umzusehen.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Month to date</source>
        <translation>Monat bis heute</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>Letzter Monat</translation>
    </message>
    <message>
        <source>Quarter to date</source>
        <translation>Quartal bis heute</translation>
    </message>
    <message>
        <source>&amp;Range:</source>
        <translation>&amp;Zeitraum:</translation>
    </message>
    <message>
        <source>&amp;Compare to previous period</source>
        <translation>Mit Vor&amp;periode vergleichen</translation>
    </message>
    <message>
        <source>Total spend</source>
        <translation>Gesamtausgaben</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Cost per request</source>
        <translation>Kosten pro Anfrage</translation>
    </message>
    <message>
        <source>Cache hit rate</source>
        <translation>Cache-Trefferquote</translation>
    </message>
    <message>
        <source>Output / input tokens</source>
        <translation>Ausgabe- / Eingabe-Tokens</translation>
    </message>
    <message>
        <source>Unpriced requests</source>
        <translation>Anfragen ohne Preis</translation>
    </message>
    <message>
        <source>Month-end projection</source>
        <translation>Prognose Monatsende</translation>
    </message>
    <message>
        <source>&lt;h2&gt;No requests from %1&lt;/h2&gt;&lt;p&gt;The ledger holds %2 requests at other times: choose another range.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Keine Anfragen im Zeitraum %1&lt;/h2&gt;&lt;p&gt;Das Hauptbuch enthält %2 Anfragen zu anderen Zeiten: Wählen Sie einen anderen Zeitraum.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>last month</source>
        <translation>letztem Monat</translation>
    </message>
    <message>
        <source>Explorer</source>
        <translation>Explorer</translation>
    </message>
    <message>
        <source>Prices</source>
        <translation>Preise</translation>
    </message>
    <message>
        <source>unpriced</source>
        <translation>ohne Preis</translation>
    </message>
    <message>
        <source>Custom...</source>
        <translation>Benutzerdefiniert …</translation>
    </message>
    <message>
        <source>Change Dates...</source>
        <translation>Daten ändern …</translation>
    </message>
    <message>
        <source>Custom Date Range</source>
        <translation>Benutzerdefinierter Zeitraum</translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation>&amp;Von:</translation>
    </message>
    <message>
        <source>&amp;To (inclusive):</source>
        <translation>&amp;Bis (einschließlich):</translation>
    </message>
    <message>
        <source>&amp;Daily spend by</source>
        <translation>&amp;Tägliche Ausgaben nach</translation>
    </message>
    <message>
        <source>Spend by %1</source>
        <translation>Ausgaben nach %1</translation>
    </message>
    <message>
        <source>Click a row to show only that %1.</source>
        <translation>Klick auf eine Zeile zeigt nur diese Auswahl (%1).</translation>
    </message>
    <message>
        <source>Ledger: %1  ·  %2  ·  %3 requests</source>
        <translation>Hauptbuch: %1  ·  %2  ·  %3 Anfragen</translation>
    </message>
    <message>
        <source>  ·  last import %1 (%2)</source>
        <translation>  ·  letzter Import %1 (%2)</translation>
    </message>
    <message>
        <source>&lt;h3&gt;%1 requests, none with a price&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;%1 Anfragen, keine mit Preis&lt;/h3&gt;</translation>
    </message>
    <message>
        <source>&lt;h3&gt;$%1 across %2 requests&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;$%1 für %2 Anfragen&lt;/h3&gt;</translation>
    </message>
    <message>
        <source>&lt;h2&gt;No requests from %1 pass the filters&lt;/h2&gt;&lt;p&gt;Change or clear the filters, or choose another range.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Keine Anfragen von %1 passieren die Filter&lt;/h2&gt;&lt;p&gt;Filter ändern oder entfernen oder einen anderen Zeitraum wählen.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>Abrechnung</translation>
    </message>
    <message>
        <source>Watched folders: new requests imported: %1</source>
        <translation>Überwachte Ordner: neue Anfragen importiert: %1</translation>
    </message>
    <message>
        <source>Add &amp;Filter...</source>
        <translation>&amp;Filter hinzufügen …</translation>
    </message>
    <message>
        <source>Ctrl+Shift+F</source>
        <translation>Ctrl+Shift+F</translation>
    </message>
    <message>
        <source>  ·  last billing sync %1</source>
        <translation>  ·  letzte Abrechnungssynchronisierung %1</translation>
    </message>
    <message>
        <source>Fetch the bills of OpenAI or Anthropic with an organization admin key.</source>
        <translation>Die Rechnungen von OpenAI oder Anthropic mit einem Organisations-Admin-Schlüssel abrufen.</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>Warnungen</translation>
    </message>
    <message>
        <source>Chargeback</source>
        <translation>Verrechnung</translation>
    </message>
    <message>
        <source>Policies</source>
        <translation>Richtlinien</translation>
    </message>
    <message>
        <source>&lt;b&gt;Cost Governor %1&lt;/b&gt;&lt;p&gt;See, govern and cut what your organisation spends on LLM APIs.&lt;/p&gt;&lt;p&gt;Ledger: %2&lt;/p&gt;&lt;p&gt;Model prices: the genai-prices catalog by Pydantic (&lt;a href=&quot;https://github.com/pydantic/genai-prices&quot;&gt;github.com/pydantic/genai-prices&lt;/a&gt;), MIT licence, bundled as of 2026-08-21; update it on the Prices page.&lt;/p&gt;</source>
        <translation>&lt;b&gt;Cost Governor %1&lt;/b&gt;&lt;p&gt;Ausgaben Ihrer Organisation für LLM-APIs sehen, steuern und senken.&lt;/p&gt;&lt;p&gt;Hauptbuch: %2&lt;/p&gt;&lt;p&gt;Modellpreise: der genai-prices-Katalog von Pydantic (&lt;a href=&quot;https://github.com/pydantic/genai-prices&quot;&gt;github.com/pydantic/genai-prices&lt;/a&gt;), MIT-Lizenz, mitgeliefert mit Stand 2026-08-21; aktualisierbar auf der Seite Preise.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::PoliciesPage</name>
    <message>
        <source>&amp;Editor</source>
        <translation>&amp;Editor</translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation>&amp;Verlauf</translation>
    </message>
    <message>
        <source>&amp;Backtest</source>
        <translation>&amp;Rückrechnung</translation>
    </message>
    <message>
        <source>A&amp;gents</source>
        <translation>A&amp;genten</translation>
    </message>
    <message>
        <source>Policy &amp;name:</source>
        <translation>&amp;Name der Richtlinie:</translation>
    </message>
    <message>
        <source>Routing rules (first match wins)</source>
        <translation>Routing-Regeln (die erste passende gilt)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>Nach oben</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>Nach unten</translation>
    </message>
    <message>
        <source>Add a rule after the selected one</source>
        <translation>Eine Regel nach der ausgewählten hinzufügen</translation>
    </message>
    <message>
        <source>any; e.g. gpt-4o, claude-*</source>
        <translation>alle; z. B. gpt-4o, claude-*</translation>
    </message>
    <message>
        <source>to</source>
        <translation>bis</translation>
    </message>
    <message>
        <source>any of, in the last user message</source>
        <translation>eines davon, in der letzten Benutzernachricht</translation>
    </message>
    <message>
        <source>regular expression, case-insensitive</source>
        <translation>regulärer Ausdruck, ohne Groß-/Kleinschreibung</translation>
    </message>
    <message>
        <source>any</source>
        <translation>alle</translation>
    </message>
    <message>
        <source>with tools</source>
        <translation>mit Tools</translation>
    </message>
    <message>
        <source>without tools</source>
        <translation>ohne Tools</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>Route to</source>
        <translation>Leiten an</translation>
    </message>
    <message>
        <source>Cascade (cheapest first)</source>
        <translation>Kaskade (günstigstes zuerst)</translation>
    </message>
    <message>
        <source>provider/model; a cascade lists two or more</source>
        <translation>Anbieter/Modell; eine Kaskade nennt zwei oder mehr</translation>
    </message>
    <message>
        <source>provider/model, ... on 429 or 5xx</source>
        <translation>Anbieter/Modell, … bei 429 oder 5xx</translation>
    </message>
    <message>
        <source>as the policy</source>
        <translation>wie die Richtlinie</translation>
    </message>
    <message>
        <source>on</source>
        <translation>an</translation>
    </message>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>Rule na&amp;me:</source>
        <translation>Regel&amp;name:</translation>
    </message>
    <message>
        <source>Requested &amp;models:</source>
        <translation>Angefragte &amp;Modelle:</translation>
    </message>
    <message>
        <source>Prompt tokens:</source>
        <translation>Prompt-Tokens:</translation>
    </message>
    <message>
        <source>&amp;Keywords:</source>
        <translation>&amp;Stichwörter:</translation>
    </message>
    <message>
        <source>Re&amp;gex:</source>
        <translation>Re&amp;gex:</translation>
    </message>
    <message>
        <source>Teams:</source>
        <translation>Teams:</translation>
    </message>
    <message>
        <source>Features:</source>
        <translation>Funktionen:</translation>
    </message>
    <message>
        <source>Users:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Environments:</source>
        <translation>Umgebungen:</translation>
    </message>
    <message>
        <source>Tools:</source>
        <translation>Tools:</translation>
    </message>
    <message>
        <source>Response format:</source>
        <translation>Antwortformat:</translation>
    </message>
    <message>
        <source>max_tokens at most:</source>
        <translation>max_tokens höchstens:</translation>
    </message>
    <message>
        <source>&amp;Action:</source>
        <translation>&amp;Aktion:</translation>
    </message>
    <message>
        <source>Models:</source>
        <translation>Modelle:</translation>
    </message>
    <message>
        <source>Fallbacks:</source>
        <translation>Ausweichmodelle:</translation>
    </message>
    <message>
        <source>Exact cache:</source>
        <translation>Exakter Cache:</translation>
    </message>
    <message>
        <source>Semantic cache:</source>
        <translation>Semantischer Cache:</translation>
    </message>
    <message>
        <source>provider/model, ... for requests no rule takes</source>
        <translation>Anbieter/Modell, … für Anfragen ohne passende Regel</translation>
    </message>
    <message>
        <source>Default fallbacks:</source>
        <translation>Standard-Ausweichmodelle:</translation>
    </message>
    <message>
        <source>Caching</source>
        <translation>Caching</translation>
    </message>
    <message>
        <source>Exact-match cache</source>
        <translation>Cache für exakte Treffer</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source>team, feature</source>
        <translation>team, feature</translation>
    </message>
    <message>
        <source>TTL</source>
        <translation>TTL</translation>
    </message>
    <message>
        <source>entries</source>
        <translation>Einträge</translation>
    </message>
    <message>
        <source>Shared only within:</source>
        <translation>Nur geteilt innerhalb von:</translation>
    </message>
    <message>
        <source>Semantic cache</source>
        <translation>Semantischer Cache</translation>
    </message>
    <message>
        <source>built-in lexical</source>
        <translation>eingebaut, lexikalisch</translation>
    </message>
    <message>
        <source>upstream embeddings</source>
        <translation>Embeddings des Anbieters</translation>
    </message>
    <message>
        <source>provider/embedding model</source>
        <translation>Anbieter/Embedding-Modell</translation>
    </message>
    <message>
        <source>similarity</source>
        <translation>Ähnlichkeit</translation>
    </message>
    <message>
        <source>Metadata that must match:</source>
        <translation>Metadaten, die übereinstimmen müssen:</translation>
    </message>
    <message>
        <source>Also cache requests with temperature above 0 or n above 1</source>
        <translation>Auch Anfragen mit temperature über 0 oder n über 1 cachen</translation>
    </message>
    <message>
        <source>Hard budgets (the agent answers 429 once spent; alert rules marked hard are added when pushing)</source>
        <translation>Harte Budgets (der Agent antwortet mit 429, sobald sie ausgeschöpft sind; als hart markierte Warnregeln kommen beim Übertragen hinzu)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>Feature</source>
        <translation>Funktion</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>Zeitfenster</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Zeitzone</translation>
    </message>
    <message>
        <source>Limit USD</source>
        <translation>Limit USD</translation>
    </message>
    <message>
        <source>Add Budget</source>
        <translation>Budget hinzufügen</translation>
    </message>
    <message>
        <source>Remove Budget</source>
        <translation>Budget entfernen</translation>
    </message>
    <message>
        <source>Policy document (JSON)</source>
        <translation>Richtliniendokument (JSON)</translation>
    </message>
    <message>
        <source>&amp;Save Version</source>
        <translation>Version &amp;speichern</translation>
    </message>
    <message>
        <source>Keep the document as the next version (Ctrl+S)</source>
        <translation>Das Dokument als nächste Version speichern (Ctrl+S)</translation>
    </message>
    <message>
        <source>&amp;Revert</source>
        <translation>&amp;Zurücksetzen</translation>
    </message>
    <message>
        <source>Back to the latest saved version</source>
        <translation>Zurück zur zuletzt gespeicherten Version</translation>
    </message>
    <message>
        <source>Save Version</source>
        <translation>Version speichern</translation>
    </message>
    <message>
        <source>What changed (optional):</source>
        <translation>Was sich geändert hat (optional):</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <source>Discard the changes in the editor?</source>
        <translation>Die Änderungen im Editor verwerfen?</translation>
    </message>
    <message>
        <source>rule %1</source>
        <translation>Regel %1</translation>
    </message>
    <message>
        <source>budget %1</source>
        <translation>Budget %1</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>Gespeichert</translation>
    </message>
    <message>
        <source>Hash</source>
        <translation>Hash</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Notiz</translation>
    </message>
    <message>
        <source>Changes from the version before it (or between the two selected):</source>
        <translation>Änderungen gegenüber der Version davor (oder zwischen den zwei ausgewählten):</translation>
    </message>
    <message>
        <source>&amp;Open in Editor</source>
        <translation>Im Editor ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Roll &amp;Back to This Version...</source>
        <translation>Auf diese Version &amp;zurücksetzen …</translation>
    </message>
    <message>
        <source>Roll Back</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <source>Save version %1 again as the newest version? Push it to the agents afterwards to put it in force.</source>
        <translation>Version %1 erneut als neueste Version speichern? Übertragen Sie sie danach an die Agenten, damit sie gilt.</translation>
    </message>
    <message numerus="yes">
        <source>Last %n day(s)</source>
        <translation>
            <numerusform>Letzter %n Tag</numerusform>
            <numerusform>Letzte %n Tage</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Run Backtest</source>
        <translation>Rückrechnung &amp;starten</translation>
    </message>
    <message>
        <source>Replay the editor&apos;s document over the recorded requests</source>
        <translation>Das Dokument im Editor auf die erfassten Anfragen anwenden</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Run a backtest to see what the policy would have changed.</source>
        <translation>Starten Sie eine Rückrechnung, um zu sehen, was die Richtlinie geändert hätte.</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>Matched</source>
        <translation>Getroffen</translation>
    </message>
    <message>
        <source>Rerouted</source>
        <translation>Umgeleitet</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Cost before</source>
        <translation>Kosten vorher</translation>
    </message>
    <message>
        <source>Cost after</source>
        <translation>Kosten nachher</translation>
    </message>
    <message>
        <source>Saving</source>
        <translation>Einsparung</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Last push</source>
        <translation>Letzte Übertragung</translation>
    </message>
    <message>
        <source>&amp;Add Agent...</source>
        <translation>Agent &amp;hinzufügen …</translation>
    </message>
    <message>
        <source>Remo&amp;ve</source>
        <translation>Ent&amp;fernen</translation>
    </message>
    <message>
        <source>Refresh &amp;Status</source>
        <translation>&amp;Status aktualisieren</translation>
    </message>
    <message>
        <source>&amp;Push Latest Version</source>
        <translation>Neueste Version &amp;übertragen</translation>
    </message>
    <message>
        <source>Push the latest saved version, with the hard budgets of the alert rules, to the selected agents (all when none is selected)</source>
        <translation>Die zuletzt gespeicherte Version mit den harten Budgets der Warnregeln an die ausgewählten Agenten übertragen (an alle, wenn keiner ausgewählt ist)</translation>
    </message>
    <message>
        <source>Add Agent</source>
        <translation>Agent hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Management address:</source>
        <translation>&amp;Verwaltungsadresse:</translation>
    </message>
    <message>
        <source>&amp;Token:</source>
        <translation>&amp;Token:</translation>
    </message>
    <message>
        <source>Remove Agent</source>
        <translation>Agent entfernen</translation>
    </message>
    <message>
        <source>Remove agent %1 from the list and its token from the keychain? The agent keeps running with its policy.</source>
        <translation>Agent %1 aus der Liste und sein Token aus dem Schlüsselbund entfernen? Der Agent läuft mit seiner Richtlinie weiter.</translation>
    </message>
    <message numerus="yes">
        <source>Valid: %n routing rule(s)</source>
        <translation>
            <numerusform>Gültig: %n Routing-Regel</numerusform>
            <numerusform>Gültig: %n Routing-Regeln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, exact cache %1, semantic cache %2, %n budget(s).</source>
        <translation>
            <numerusform>, exakter Cache %1, semantischer Cache %2, %n Budget.</numerusform>
            <numerusform>, exakter Cache %1, semantischer Cache %2, %n Budgets.</numerusform>
        </translation>
    </message>
    <message>
        <source>Not valid (the form shows the last valid document):</source>
        <translation>Nicht gültig (das Formular zeigt das letzte gültige Dokument):</translation>
    </message>
    <message>
        <source>Version %1 against version %2</source>
        <translation>Version %1 gegenüber Version %2</translation>
    </message>
    <message>
        <source>Version %1, the first</source>
        <translation>Version %1, die erste</translation>
    </message>
    <message>
        <source>The editor&apos;s document is not valid; fix it to backtest.</source>
        <translation>Das Dokument im Editor ist nicht gültig; korrigieren Sie es für eine Rückrechnung.</translation>
    </message>
    <message>
        <source>Replaying %1 .. %2...</source>
        <translation>Rückrechnung %1 .. %2 …</translation>
    </message>
    <message>
        <source>%1 .. %2: %3 requests, %4. Routing: %4 → %5, saves %6 (%7 %).</source>
        <translation>%1 .. %2: %3 Anfragen, %4. Routing: %4 → %5, spart %6 (%7 %).</translation>
    </message>
    <message>
        <source>%1 unpriced requests are left out.</source>
        <translation>%1 Anfragen ohne Preis sind nicht enthalten.</translation>
    </message>
    <message>
        <source>Exact cache: no request has a prompt hash (costgov-agent logs one), so repeats are unknown.</source>
        <translation>Exakter Cache: keine Anfrage hat einen Prompt-Hash (costgov-agent protokolliert einen), Wiederholungen sind daher unbekannt.</translation>
    </message>
    <message>
        <source>Exact cache: %1 of %2 requests with a prompt hash repeat one within the TTL (%3 %), %4 a cache would have saved.</source>
        <translation>Exakter Cache: %1 von %2 Anfragen mit Prompt-Hash wiederholen eine innerhalb der TTL (%3 %), %4 hätte ein Cache gespart.</translation>
    </message>
    <message>
        <source>Unknown: requests a keyword, regex or parameter condition could not be judged on (history keeps no prompt text); counted as not matching.</source>
        <translation>Unbekannt: Anfragen, für die eine Stichwort-, Regex- oder Parameterbedingung nicht geprüft werden konnte (der Verlauf enthält keinen Prompt-Text); als nicht passend gezählt.</translation>
    </message>
    <message>
        <source>Reading the agents&apos; status...</source>
        <translation>Status der Agenten wird gelesen …</translation>
    </message>
    <message>
        <source>Add an agent first.</source>
        <translation>Fügen Sie zuerst einen Agenten hinzu.</translation>
    </message>
    <message>
        <source>Save a version first: agents get saved versions only.</source>
        <translation>Speichern Sie zuerst eine Version: Agenten erhalten nur gespeicherte Versionen.</translation>
    </message>
    <message>
        <source>The editor has unsaved changes; pushing the latest saved version, %1.</source>
        <translation>Der Editor hat ungespeicherte Änderungen; übertragen wird die zuletzt gespeicherte Version %1.</translation>
    </message>
    <message>
        <source>Pushing version %1...</source>
        <translation>Version %1 wird übertragen …</translation>
    </message>
    <message>
        <source>not read yet</source>
        <translation>noch nicht gelesen</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>in step</source>
        <translation>aktuell</translation>
    </message>
    <message>
        <source>drift: runs %1, latest is %2</source>
        <translation>abweichend: läuft mit %1, neueste ist %2</translation>
    </message>
    <message>
        <source>unreachable: %1</source>
        <translation>nicht erreichbar: %1</translation>
    </message>
    <message>
        <source>for https with a private CA; empty: the system&apos;s</source>
        <translation>für https mit einer eigenen CA; leer: die des Systems</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>Durchsuchen …</translation>
    </message>
    <message>
        <source>CA Certificate</source>
        <translation>CA-Zertifikat</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation>PEM-Zertifikate (*.pem *.crt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>&amp;CA certificate:</source>
        <translation>&amp;CA-Zertifikat:</translation>
    </message>
    <message>
        <source>kept in the keychain; empty: %1_&lt;NAME&gt; from the environment</source>
        <translation>im Schlüsselbund abgelegt; leer: %1_&lt;NAME&gt; aus der Umgebung</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::PricesPage</name>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>&amp;Add Price...</source>
        <translation>Preis &amp;hinzufügen …</translation>
    </message>
    <message>
        <source>From</source>
        <translation>Ab</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Cache read</source>
        <translation>Cache lesen</translation>
    </message>
    <message>
        <source>Cache write 5 min</source>
        <translation>Cache schreiben 5 min</translation>
    </message>
    <message>
        <source>Cache write 1 h</source>
        <translation>Cache schreiben 1 h</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>&lt;b&gt;Models without a price&lt;/b&gt; (their requests are not in any total)</source>
        <translation>&lt;b&gt;Modelle ohne Preis&lt;/b&gt; (ihre Anfragen sind in keiner Summe enthalten)</translation>
    </message>
    <message>
        <source>Filter models</source>
        <translation>Modelle filtern</translation>
    </message>
    <message>
        <source>always</source>
        <translation>immer</translation>
    </message>
    <message>
        <source>Add a Price for %1</source>
        <translation>Preis für %1 hinzufügen</translation>
    </message>
    <message>
        <source>USD per million tokens. The price applies to all of this model&apos;s requests, past and future.</source>
        <translation>USD pro Million Tokens. Der Preis gilt für alle Anfragen dieses Modells, vergangene und künftige.</translation>
    </message>
    <message>
        <source>&amp;Input:</source>
        <translation>&amp;Eingabe:</translation>
    </message>
    <message>
        <source>&amp;Output:</source>
        <translation>&amp;Ausgabe:</translation>
    </message>
    <message>
        <source>Cache &amp;read:</source>
        <translation>Cache &amp;lesen:</translation>
    </message>
    <message>
        <source>Cache &amp;write:</source>
        <translation>Cache &amp;schreiben:</translation>
    </message>
    <message>
        <source>required, e.g. 2.50</source>
        <translation>erforderlich, z. B. 2.50</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>optional</translation>
    </message>
    <message>
        <source>Not a Price</source>
        <translation>Kein Preis</translation>
    </message>
    <message>
        <source>%1 needs an amount in USD like 2.50.</source>
        <translation>%1 braucht einen Betrag in USD wie 2.50.</translation>
    </message>
    <message>
        <source>Re-rating history...</source>
        <translation>Verlauf wird neu bewertet …</translation>
    </message>
    <message>
        <source>The price was not stored: %1</source>
        <translation>Der Preis wurde nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>%1 priced: %2 requests re-rated, spend %3$%4.</source>
        <translation>%1 bepreist: %2 Anfragen neu bewertet, Ausgaben %3$%4.</translation>
    </message>
    <message>
        <source>The catalog cannot be read: %1</source>
        <translation>Der Katalog kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1-%2 UTC</source>
        <translation>%1–%2 UTC</translation>
    </message>
    <message>
        <source>above %1: %2 / %3</source>
        <translation>über %1: %2 / %3</translation>
    </message>
    <message>
        <source>set by hand</source>
        <translation>von Hand</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>importiert</translation>
    </message>
    <message>
        <source>catalog</source>
        <translation>Katalog</translation>
    </message>
    <message>
        <source>&amp;Update Catalog...</source>
        <translation>Katalog &amp;aktualisieren...</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Long context</source>
        <translation>Langer Kontext</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Ebene</translation>
    </message>
    <message>
        <source>&lt;b&gt;Price catalog&lt;/b&gt; (USD per million tokens; a price applies from its date until the next one; set by hand wins over imported, imported over the catalog)</source>
        <translation>&lt;b&gt;Preiskatalog&lt;/b&gt; (USD pro Million Tokens; ein Preis gilt ab seinem Datum bis zum nächsten; von Hand gesetzt geht vor importiert, importiert vor dem Katalog)</translation>
    </message>
    <message>
        <source>Load a newer genai-prices catalog, see what changes, then apply it</source>
        <translation>Einen neueren genai-prices-Katalog laden, die Änderungen ansehen und dann übernehmen</translation>
    </message>
    <message>
        <source>&lt;b&gt;Models without a price:&lt;/b&gt; none, every request has a price.</source>
        <translation>&lt;b&gt;Modelle ohne Preis:&lt;/b&gt; keine, jede Anfrage hat einen Preis.</translation>
    </message>
    <message>
        <source>Catalog: %1, %2 models. Price data from &lt;a href=&quot;https://github.com/pydantic/genai-prices&quot;&gt;pydantic/genai-prices&lt;/a&gt; (MIT).</source>
        <translation>Katalog: %1, %2 Modelle. Preisdaten von &lt;a href=&quot;https://github.com/pydantic/genai-prices&quot;&gt;pydantic/genai-prices&lt;/a&gt; (MIT).</translation>
    </message>
    <message>
        <source>Not in use: overridden by %1</source>
        <translation>Nicht in Gebrauch: überschrieben durch %1</translation>
    </message>
    <message>
        <source>Update the Price Catalog</source>
        <translation>Preiskatalog aktualisieren</translation>
    </message>
    <message>
        <source>A genai-prices data.json, from the web or a file. You will see what changes before anything is applied.</source>
        <translation>Eine genai-prices data.json aus dem Netz oder aus einer Datei. Sie sehen die Änderungen, bevor etwas übernommen wird.</translation>
    </message>
    <message>
        <source>&amp;Choose File...</source>
        <translation>Datei &amp;wählen...</translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation>&amp;Von:</translation>
    </message>
    <message>
        <source>&amp;Load</source>
        <translation>&amp;Laden</translation>
    </message>
    <message>
        <source>Price Catalog</source>
        <translation>Preiskatalog</translation>
    </message>
    <message>
        <source>JSON files (*.json);;All files (*)</source>
        <translation>JSON-Dateien (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Loading %1...</source>
        <translation>%1 wird geladen...</translation>
    </message>
    <message>
        <source>Update cancelled; the catalog is unchanged.</source>
        <translation>Aktualisierung abgebrochen; der Katalog ist unverändert.</translation>
    </message>
    <message>
        <source>The catalog was not updated: %1</source>
        <translation>Der Katalog wurde nicht aktualisiert: %1</translation>
    </message>
    <message>
        <source>The catalog is up to date.</source>
        <translation>Der Katalog ist aktuell.</translation>
    </message>
    <message>
        <source>+ %1: %2</source>
        <translation>+ %1: %2</translation>
    </message>
    <message>
        <source>- %1: %2</source>
        <translation>- %1: %2</translation>
    </message>
    <message>
        <source>~ %1: %2
    now %3</source>
        <translation>~ %1: %2
    jetzt %3</translation>
    </message>
    <message>
        <source>Price Catalog Update</source>
        <translation>Preiskatalog-Aktualisierung</translation>
    </message>
    <message>
        <source>%1: %2 models added, %3 prices changed, %4 models removed. Applying it re-rates the requests priced from the catalog.</source>
        <translation>%1: %2 Modelle hinzugefügt, %3 Preise geändert, %4 Modelle entfernt. Beim Übernehmen werden die nach Katalog bepreisten Anfragen neu bewertet.</translation>
    </message>
    <message>
        <source>Applying the catalog and re-rating history...</source>
        <translation>Katalog wird übernommen und die Historie neu bewertet...</translation>
    </message>
    <message>
        <source>Catalog updated: %1 requests re-rated, spend %2$%3.</source>
        <translation>Katalog aktualisiert: %1 Anfragen neu bewertet, Ausgaben %2$%3.</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::RequestsModel</name>
    <message>
        <source>unpriced</source>
        <translation>ohne Preis</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Time (UTC)</source>
        <translation>Zeit (UTC)</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Cache read</source>
        <translation>Cache lesen</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Kosten</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <source>Request ID</source>
        <translation>Anfrage-ID</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::RequestsPage</name>
    <message>
        <source>Show &amp;All</source>
        <translation>&amp;Alle zeigen</translation>
    </message>
    <message>
        <source>Back to the window&apos;s range and filters</source>
        <translation>Zurück zu Zeitraum und Filtern des Fensters</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Select a request to see every stored field.</source>
        <translation>Eine Anfrage auswählen, um alle gespeicherten Felder zu sehen.</translation>
    </message>
    <message>
        <source>Request details</source>
        <translation>Anfragedetails</translation>
    </message>
    <message>
        <source>The ledger cannot be read: %1</source>
        <translation>Das Hauptbuch kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1 requests · %2 loaded (newest first; more load as you scroll)</source>
        <translation>%1 Anfragen · %2 geladen (neueste zuerst; weitere laden beim Blättern)</translation>
    </message>
    <message>
        <source>Selection: %1 · %2</source>
        <translation>Auswahl: %1 · %2</translation>
    </message>
    <message>
        <source>Loading...</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>unpriced</source>
        <translation>ohne Preis</translation>
    </message>
    <message>
        <source>Request ID</source>
        <translation>Anfrage-ID</translation>
    </message>
    <message>
        <source>Time (UTC)</source>
        <translation>Zeit (UTC)</translation>
    </message>
    <message>
        <source>Requested model</source>
        <translation>Angefragtes Modell</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Input tokens</source>
        <translation>Eingabe-Tokens</translation>
    </message>
    <message>
        <source>Output tokens</source>
        <translation>Ausgabe-Tokens</translation>
    </message>
    <message>
        <source>Cache read tokens</source>
        <translation>Cache-Lese-Tokens</translation>
    </message>
    <message>
        <source>Cache write tokens</source>
        <translation>Cache-Schreib-Tokens</translation>
    </message>
    <message>
        <source>of which 1 h cache writes</source>
        <translation>davon 1-h-Cache-Schreibvorgänge</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Kosten</translation>
    </message>
    <message>
        <source>Cost from</source>
        <translation>Kosten aus</translation>
    </message>
    <message>
        <source>the source&apos;s log</source>
        <translation>dem Protokoll der Quelle</translation>
    </message>
    <message>
        <source>the price catalog</source>
        <translation>dem Preiskatalog</translation>
    </message>
    <message>
        <source>–</source>
        <translation>–</translation>
    </message>
    <message>
        <source>Cache hit</source>
        <translation>Cache-Treffer</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Batch</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>not reported</source>
        <translation>nicht angegeben</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::SourcesTables</name>
    <message>
        <source>Started</source>
        <translation>Begonnen</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Paths</source>
        <translation>Pfade</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>Zeilen</translation>
    </message>
    <message>
        <source>Imported</source>
        <translation>Importiert</translation>
    </message>
    <message>
        <source>Duplicates</source>
        <translation>Duplikate</translation>
    </message>
    <message>
        <source>Quarantined</source>
        <translation>In Quarantäne</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>Zeile</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Import summaries appear here.</source>
        <translation>Import-Zusammenfassungen erscheinen hier.</translation>
    </message>
    <message>
        <source>Select a line to see it as it was read.</source>
        <translation>Wählen Sie eine Zeile, um sie so zu sehen, wie sie gelesen wurde.</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Quarantine</source>
        <translation>Quarantäne</translation>
    </message>
    <message>
        <source>Quarantine (%1)</source>
        <translation>Quarantäne (%1)</translation>
    </message>
    <message>
        <source>The import history cannot be read: %1</source>
        <translation>Der Importverlauf kann nicht gelesen werden: %1</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::SpendChart</name>
    <message>
        <source>Total</source>
        <translation>Summe</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Sonstige</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::SpendTableModel</name>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>unpriced</source>
        <translation>ohne Preis</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Input tokens</source>
        <translation>Eingabe-Tokens</translation>
    </message>
    <message>
        <source>Output tokens</source>
        <translation>Ausgabe-Tokens</translation>
    </message>
    <message>
        <source>Cache reads</source>
        <translation>Cache gelesen</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Kosten</translation>
    </message>
    <message>
        <source>Unpriced</source>
        <translation>Ohne Preis</translation>
    </message>
    <message>
        <source>Cache hit rate</source>
        <translation>Cache-Trefferquote</translation>
    </message>
    <message>
        <source>Cost / request</source>
        <translation>Kosten / Anfrage</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>Woche</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>Monat</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>Feature</source>
        <translation>Funktion</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>Umgebung</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>Projekt</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>% of spend</source>
        <translation>% der Ausgaben</translation>
    </message>
    <message>
        <source>% of requests</source>
        <translation>% der Anfragen</translation>
    </message>
    <message>
        <source>new</source>
        <translation>neu</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>Anteil</translation>
    </message>
    <message>
        <source>Req. share</source>
        <translation>Anteil Anfr.</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Änderung</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::SyncService</name>
    <message>
        <source>No provider connection: add one on the Sources page (or set COSTGOV_OPENAI_ADMIN_KEY or COSTGOV_ANTHROPIC_ADMIN_KEY).</source>
        <translation>Keine Anbieterverbindung: Auf der Seite „Quellen“ eine hinzufügen (oder COSTGOV_OPENAI_ADMIN_KEY bzw. COSTGOV_ANTHROPIC_ADMIN_KEY setzen).</translation>
    </message>
    <message>
        <source>Syncing...</source>
        <translation>Abgleich läuft …</translation>
    </message>
    <message>
        <source>Testing the %1 connection...</source>
        <translation>Die Verbindung zu %1 wird getestet …</translation>
    </message>
    <message>
        <source>Connected: the %1 cost report answered (%2 daily buckets for yesterday and today).</source>
        <translation>Verbunden: Der Kostenbericht von %1 hat geantwortet (%2 Tageswerte für gestern und heute).</translation>
    </message>
    <message>
        <source>no %1 admin key: add it to the connection on the Sources page, or set %2</source>
        <translation>kein Admin-Schlüssel für %1: In der Verbindung auf der Seite „Quellen“ hinterlegen oder %2 setzen</translation>
    </message>
    <message>
        <source>%1 – %2: %3 cost and %4 usage rows stored, $%5 billed</source>
        <translation>%1 – %2: %3 Kosten- und %4 Nutzungszeilen gespeichert, $%5 berechnet</translation>
    </message>
</context>
<context>
    <name>CostGov::Ui::WatchedFolders</name>
    <message>
        <source>&amp;Watched folders:</source>
        <translation>Über&amp;wachte Ordner:</translation>
    </message>
    <message>
        <source>New lines in these folders are imported automatically while Cost Governor runs.</source>
        <translation>Neue Zeilen in diesen Ordnern werden automatisch importiert, solange Cost Governor läuft.</translation>
    </message>
    <message>
        <source>Watch a Folder...</source>
        <translation>Ordner überwachen …</translation>
    </message>
    <message>
        <source>Stop Watching</source>
        <translation>Nicht mehr überwachen</translation>
    </message>
    <message>
        <source>Watch a Folder of Request Logs</source>
        <translation>Einen Ordner mit Anfrageprotokollen überwachen</translation>
    </message>
    <message>
        <source>%1 (not found)</source>
        <translation>%1 (nicht gefunden)</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>any</source>
        <translation>alle</translation>
    </message>
    <message>
        <source>no token: add the agent again with its token, or set %1</source>
        <translation>kein Token: Agent mit seinem Token erneut hinzufügen oder %1 setzen</translation>
    </message>
    <message>
        <source>FAILED: </source>
        <translation>FEHLGESCHLAGEN: </translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>See, govern and cut LLM API spend.</source>
        <translation>Ausgaben für LLM-APIs sehen, steuern und senken.</translation>
    </message>
    <message>
        <source>The ledger file.</source>
        <translation>Die Hauptbuch-Datei.</translation>
    </message>
    <message>
        <source>The window size, e.g. 1440x900.</source>
        <translation>Die Fenstergröße, z. B. 1440x900.</translation>
    </message>
    <message>
        <source>Render the window to a PNG file once its figures are shown, then exit.</source>
        <translation>Das Fenster als PNG-Datei speichern, sobald seine Zahlen angezeigt werden, und beenden.</translation>
    </message>
    <message>
        <source>The page to show: overview, explorer, requests, sources, prices or billing.</source>
        <translation>Die anzuzeigende Seite: overview, explorer, requests, sources, prices oder billing.</translation>
    </message>
</context>
</TS>
