import Foundation
import HotlineCore

/// Where an order landed and why.
public struct Classification: Sendable, Equatable {
    public var category: String
    public var parent: String?
    /// The rule that won, as `file:line`, or `fallback` (`ClassificationSource.fallback`) when none matched.
    public var rule: String
    /// The winning rule's keywords found in the text.
    public var keywords: [String]
    /// The winning rule's priority (0 for the fallback).
    public var priority = 0

    /// Whether no rule matched, so the category is the fallback.
    public var isFallback: Bool { rule == ClassificationSource.fallback.rawValue }
}

/// A rule that matched a text, for `explain`.
public struct RuleMatch: Sendable, Equatable {
    /// The rule's position in the taxonomy.
    public var index: Int
    public var rule: Rule
    public var keywords: [String]
    public var exclusions: [String]
    public var excluded: Bool { !exclusions.isEmpty }
}

/// Classifies texts by the taxonomy's keyword rules.
///
/// A rule applies when one of its keywords occurs and none of its exclusions do. Of the rules that
/// apply, the highest priority wins, then the one with more distinct keywords found, then the one
/// higher in the file. No rule: the fallback category.
public struct Classifier: Sendable {
    public let taxonomy: Taxonomy
    public let fallback: String
    private let automaton: KeywordAutomaton
    /// For each automaton keyword: (rule index, is exclusion).
    private let owners: [[(rule: Int, exclusion: Bool)]]
    /// `file:line` of each rule, as `Classification.rule` names it.
    private let ruleNames: [String]

    public init(taxonomy: Taxonomy, fallback: String) {
        self.taxonomy = taxonomy
        self.fallback = fallback
        var ids: [String: Int] = [:]
        var words: [String] = []
        var owners: [[(Int, Bool)]] = []
        for (r, rule) in taxonomy.rules.enumerated() {
            for (word, exclusion) in rule.keywords.map({ ($0, false) }) + rule.exclusions.map({ ($0, true) }) {
                let key = KeywordAutomaton.fold(word)
                if ids[key] == nil {
                    ids[key] = words.count
                    words.append(word)
                    owners.append([])
                }
                owners[ids[key]!].append((r, exclusion))
            }
        }
        automaton = KeywordAutomaton(keywords: words)
        self.owners = owners
        let file = (taxonomy.file as NSString).lastPathComponent
        ruleNames = taxonomy.rules.map { "\(file):\($0.line)" }
    }

    /// Every rule with a keyword or exclusion in `text`, in taxonomy order.
    public func matches(for text: String) -> [RuleMatch] {
        var found: [Int: RuleMatch] = [:]
        for id in automaton.matches(in: text) {
            for (r, exclusion) in owners[id] {
                var c = found[r] ?? RuleMatch(index: r, rule: taxonomy.rules[r], keywords: [], exclusions: [])
                if exclusion {
                    c.exclusions.append(automaton.keywords[id])
                } else {
                    c.keywords.append(automaton.keywords[id])
                }
                found[r] = c
            }
        }
        return found.keys.sorted().map { found[$0]! }
    }

    public func classify(_ text: String) -> Classification {
        let winner = matches(for: text).filter { !$0.excluded && !$0.keywords.isEmpty }.max { a, b in
            (a.rule.priority, a.keywords.count, -a.rule.line) < (b.rule.priority, b.keywords.count, -b.rule.line)
        }
        guard let winner else {
            let parent = taxonomy.rules.first { $0.category == fallback }?.parent
            return Classification(
                category: fallback, parent: parent, rule: ClassificationSource.fallback.rawValue, keywords: [])
        }
        return Classification(
            category: winner.rule.category, parent: winner.rule.parent, rule: ruleNames[winner.index],
            keywords: winner.keywords, priority: winner.rule.priority)
    }
}
