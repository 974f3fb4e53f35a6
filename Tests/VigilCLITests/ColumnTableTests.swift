import Testing

@testable import VigilCLI

struct ColumnTableTests {
    /// Columns widen to their longest cell, as kubectl's do: a long target is printed whole, not cut.
    @Test func columnsAreAsWideAsTheirWidestCell() {
        var table = ColumnTable(header: ["ID", "TARGET", "CAUSE"])
        table.rows = [
            ["1", "deployment/a-workload-whose-name-is-long", "memory-limit"],
            ["22", "node/n", "x"],
        ]
        #expect(
            table.render() == """
                ID   TARGET                                     CAUSE
                1    deployment/a-workload-whose-name-is-long   memory-limit
                22   node/n                                     x

                """
        )
    }

    @Test func proposalsAreListedWholeAndNoneIsNoTable() throws {
        #expect(ProposalsCommand.List.table([]) == nil)
        let target = "statefulset/" + String(repeating: "x", count: 40)
        let listed = try #require(
            ProposalsCommand.List.table([
                [
                    "proposal": [
                        "id": "0123456789abcdef", "action": "set-resources", "target": target, "namespace": "shop",
                    ],
                    "state": "pending", "cause": "memory-limit",
                ]
            ])
        )
        let lines = listed.split(separator: "\n")
        #expect(
            lines.count == 2 && lines[0].hasPrefix("ID                 STATE     ACTION          TARGET"),
            "\(listed)"
        )
        #expect(lines[1].contains(target + "   shop        memory-limit"), "\(listed)")
    }
}
