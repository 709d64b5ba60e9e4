#include "csvsupport.h"

namespace CostGov::Ingest {

bool splitCsvRow(std::string_view row, std::vector<std::string> &cells)
{
    cells.clear();
    std::string cell;
    size_t i = 0;
    const size_t n = row.size();
    for (;;) {
        cell.clear();
        if (i < n && row[i] == '"') {
            ++i;
            for (;;) {
                if (i >= n)
                    return false; // unterminated quote
                const char c = row[i++];
                if (c == '"') {
                    if (i < n && row[i] == '"') {
                        cell.push_back('"');
                        ++i;
                    } else {
                        break;
                    }
                } else {
                    cell.push_back(c);
                }
            }
            if (i < n && row[i] != ',')
                return false; // text after a closing quote
        } else {
            while (i < n && row[i] != ',')
                cell.push_back(row[i++]);
        }
        cells.push_back(cell);
        if (i >= n)
            return true;
        ++i; // the comma
    }
}

} // namespace CostGov::Ingest
