/// Rows printed as kubectl prints a table: each column as wide as its widest cell, three spaces apart,
/// the last one unpadded, and nothing cut short — an id or a target cut at a fixed width cannot be
/// copied into the next command.
struct ColumnTable {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        let lines = [header] + rows
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { cells in
            cells.indices.map { column in
                let cell = cells[column]
                return column == cells.count - 1
                    ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            .joined(separator: "   ")
        }
        .joined(separator: "\n") + "\n"
    }
}
