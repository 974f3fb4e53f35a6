extension Unicode.Scalar {
    /// Whether the scalar, written into a log line or a terminal as it is, could break the line or act on
    /// the terminal: a control character (a line break, an escape) or a line or paragraph separator. What a
    /// sender writes is quoted (`goQuoted`) or kept out where it holds one.
    public var breaksALogLine: Bool {
        switch properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}
