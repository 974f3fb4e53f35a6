import Foundation
import Testing

@testable import VigilRules

/// A rule set is read whole: every error of every file, with where it is.
struct RuleSetTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vigil-rules-\(UUID().uuidString).yaml"
        ).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aMisspeltFindingIsRefusedWhenTheVocabularyIsKnown() throws {
        let path = try write(
            """
            playbooks:
              - name: node
                cause: node-failure
                summary: The node stopped
                when:
                  all: [{finding: NodeNotRedy}]
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: Never.self) { try RuleSet.load([path]) }  // without a vocabulary, any name goes
        do {
            _ = try RuleSet.load([path], findings: ["NodeNotReady"])
            Issue.record("a playbook naming no analyzer's finding was accepted")
        } catch {
            #expect(
                error.errors == [
                    "\(path):2: playbook \"node\": finding \"NodeNotRedy\" is no analyzer's (known: NodeNotReady)"
                ]
            )
        }
    }

    @Test func everyErrorOfAFileIsListedWithItsPlace() throws {
        let path = try write(
            """
            signals:
              - name: x
                selector: 'up{job="a"'
                direction: sideways
            playbooks:
              - name: p
                cause: c
                summary: s
                when: {all: [{anomaly: nothing}]}
                then: [{action: fly}]
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try RuleSet.load([path])
            Issue.record("a bad rule file was accepted")
        } catch {
            #expect(
                error.errors == [
                    "\(path):3:15: signals[0].selector: column 11 of the selector: expected \",\" or \"}\"",
                    "\(path):4:16: signals[0].direction: expected one of up, down, both, got \"sideways\"",
                    "\(path):10:21: playbooks[0].then[0].action: expected one of set-resources, undo, restart, cordon, drain, scale, set-hpa-max, expand-pvc, delete-pod, got \"fly\"",
                    "\(path):6: playbook \"p\": anomaly \"nothing\" names no signal rule",
                ]
            )
        }
    }

    /// A file with a field error still has its names, findings and references checked in the same run: a
    /// duplicate, a misspelt finding and a playbook naming no signal were listed only once the field error
    /// was fixed.
    @Test func aFilesOtherErrorsAreListedBesideItsFieldErrors() throws {
        let path = try write(
            """
            signals:
              - name: s1
                selector: 'up'
                direction: sideways
              - name: s2
                selector: 'up'
              - name: s2
                selector: 'up'
              - name: s3
                selector: 'up{'
            playbooks:
              - name: p
                cause: c
                summary: s
                when: {all: [{finding: OOMKiled}, {anomaly: s3}, {anomaly: s4}]}
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        // s3 is left out for its selector, and named all the same; s4 is named by no rule.
        #expect {
            try RuleSet.load([path], findings: ["OOMKilled"])
        } throws: { error in
            (error as? RuleSet.LoadError)?.errors == [
                "\(path):4:16: signals[0].direction: expected one of up, down, both, got \"sideways\"",
                "\(path):10:15: signals[3].selector: column 4 of the selector: expected a label name",
                "\(path):7: signal \"s2\" is already defined at \(path):5",
                "\(path):12: playbook \"p\": anomaly \"s4\" names no signal rule",
                "\(path):12: playbook \"p\": finding \"OOMKiled\" is no analyzer's (known: OOMKilled)",
            ]
        }
    }

    /// `signals:` that is no list (a missing `-`) gives no signal, and its names are not known: a playbook
    /// naming one is not reported as naming no signal beside the real error.
    @Test func signalsThatAreNoListHideNoNameFromThePlaybooks() throws {
        let path = try write(
            """
            signals:
              name: s1
              selector: 'up'
            playbooks:
              - name: p
                cause: c
                summary: s
                when: {all: [{anomaly: s1}]}
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try RuleSet.load([path])
        } throws: { error in
            (error as? RuleSet.LoadError)?.errors == ["\(path):2:3: signals: expected a list"]
        }
    }

    /// A signal's `labels:` are read, not just kept: `severity` (info, warning, critical) is its
    /// anomalies' severity, and any other label, which nothing would read, is refused; `for: 0s` is
    /// Prometheus's default and taken. Every label was accepted and ignored, and `for: 0s` refused.
    @Test func aSignalsLabelsAreReadAndForMayBeZero() throws {
        let good = try write(
            """
            signals:
              - {name: a, selector: up, labels: {severity: critical}, for: 0s}
              - {name: b, selector: up}
            """
        )
        defer { try? FileManager.default.removeItem(atPath: good) }
        let rules = try RuleSet.load([good])
        #expect(rules.signals.map(\.holdFor) == [0, 0])
        #expect(rules.signals.first?.labels == ["severity": "critical"])
        let bad = try write(
            """
            signals:
              - {name: a, selector: up, labels: {severity: page, team: db}}
            """
        )
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect {
            try RuleSet.load([bad])
        } throws: { error in
            (error as? RuleSet.LoadError)?.errors == [
                "\(bad):2:37: signals[0].labels: severity: \"page\": only severity is read, one of info, warning, critical",
                "\(bad):2:37: signals[0].labels: team: \"db\": only severity is read, one of info, warning, critical",
            ]
        }
    }

    /// A rule file that is not UTF-8 is refused with the place of its first bad byte; the other files'
    /// errors are still listed. Decoding replaced the byte with U+FFFD, and the selector holding it
    /// could never match.
    @Test func aFileThatIsNotUTF8IsRefusedWithThePlace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rules-\(UUID()).yaml").path
        var bytes = Array("signals:\n  - {name: a, selector: 'foo{a=\"".utf8)
        bytes += [0xC3, 0x28] + Array("\"}'}\n".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let other = try write("signals: [{name: b}]\n")
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect {
            try RuleSet.load([path, other])
        } throws: { error in
            (error as? RuleSet.LoadError)?.errors == [
                "\(path):2:33: not UTF-8 text (byte 0xC3)",
                "\(other):1:11: signals[0]: selector: required",
            ]
        }
    }

    /// A file with an error gives no signal; a playbook in another file naming one of its signals is not
    /// reported as well (one error per playbook buried the real one). Fixed, the reference resolves.
    @Test func aBadFilesSignalsAreNotReportedMissingElsewhere() throws {
        let signals = """
            signals:
              - name: s1
                selector: 'up'
              - name: s2
                selector: 'up{'
            """
        let bad = try write(signals)
        let playbooks = try write(
            """
            playbooks:
              - name: p
                cause: c
                summary: s
                when: {all: [{anomaly: s1}]}
                then: [{action: restart}]
            """
        )
        defer { for path in [bad, playbooks] { try? FileManager.default.removeItem(atPath: path) } }
        #expect {
            try RuleSet.load([bad, playbooks])
        } throws: { error in
            let errors = (error as? RuleSet.LoadError)?.errors ?? []
            return errors.count == 1 && errors[0].hasPrefix("\(bad):5:")
        }
        let fixed = signals.replacingOccurrences(of: "'up{'", with: "'up'")
        try fixed.write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(try RuleSet.load([bad, playbooks]).playbooks.count == 1)
    }

    /// `rules/*.yaml`, as deploy/vigil.yaml suggests, loads the rules and leaves out the rule test file
    /// beside them, as naming the directory does; a pattern for test files still takes them.
    @Test func aGlobLeavesOutRuleTestFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        #expect(FileManager.default.fileExists(atPath: "\(root)/rules/default_test.yaml"))
        let byGlob = try RuleSet.load(["\(root)/rules/*.yaml"])
        let byDirectory = try RuleSet.load(["\(root)/rules"])
        #expect(byGlob.signals.map(\.name) == byDirectory.signals.map(\.name))
        #expect(!byGlob.signals.isEmpty)
        #expect(throws: RuleSet.LoadError.self) { try RuleSet.load(["\(root)/rules/*_test.yaml"]) }
    }
}
