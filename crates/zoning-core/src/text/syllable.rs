//! Whether a word can be a Vietnamese syllable: an initial consonant, a
//! vowel group, a final consonant and at most one tone, in the combinations
//! the spelling allows. The encoding detection counts such words; a wrong
//! decoding gives letters that are not Vietnamese, two tones on one word,
//! impossible vowel groups or tones a closed syllable cannot take.

use unicode_normalization::UnicodeNormalization;

/// Initial consonants, longest first (`qu` and `gi` take their vowel).
const INITIALS: [&str; 28] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Final consonants.
const FINALS: [&str; 9] = ["ch", "ng", "nh", "c", "m", "n", "p", "t", ""];

/// Vowel groups that may end the syllable or take a final consonant.
const OPEN_OR_CLOSED: [&str; 16] = [
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy", "oo", "uơ",
];

/// Vowel groups that need a final consonant (`ăn`, `tiên`, `muốn`, `nước`).
const CLOSED: [&str; 9] = ["ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oă", "uâ"];

/// Vowel groups that end in a glide or are open diphthongs: no final.
const OPEN: [&str; 27] = [
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa",
    "ưi", "ưu", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi",
];

/// More open groups (kept apart to keep the lines short).
const OPEN_MORE: [&str; 3] = ["ươu", "uya", "uyu"];

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const TILDE: char = '\u{303}';
const HOOK: char = '\u{309}';
const DOT: char = '\u{323}';

fn vowels_allowed(nucleus: &str, final_: &str) -> bool {
    if final_.is_empty() {
        OPEN_OR_CLOSED.contains(&nucleus) || OPEN.contains(&nucleus) || OPEN_MORE.contains(&nucleus)
    } else {
        OPEN_OR_CLOSED.contains(&nucleus) || CLOSED.contains(&nucleus)
    }
}

/// Whether `word` (letters only, any case) is spelled as a Vietnamese
/// syllable.
pub(super) fn is_syllable(word: &str) -> bool {
    let mut letters = String::with_capacity(word.len());
    let mut tone = None;
    for c in word.nfd().flat_map(char::to_lowercase) {
        match c {
            GRAVE | ACUTE | TILDE | HOOK | DOT => {
                if tone.replace(c).is_some() {
                    return false;
                }
            }
            // circumflex, breve, horn: part of the letter
            '\u{302}' | '\u{306}' | '\u{31B}' | 'a'..='z' | 'đ' => letters.push(c),
            _ => return false,
        }
    }
    let letters: String = letters.nfc().collect();
    if letters.chars().any(|c| {
        !matches!(c, 'a'..='z' | 'đ' | 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư')
            || matches!(c, 'f' | 'j' | 'w' | 'z')
    }) {
        return false;
    }
    INITIALS
        .iter()
        .filter_map(|i| letters.strip_prefix(i))
        .any(|rest| {
            FINALS.iter().any(|f| {
                rest.strip_suffix(f).is_some_and(|nucleus| {
                    !nucleus.is_empty()
                        && vowels_allowed(nucleus, f)
                        // a syllable closed by a stop takes only sắc or nặng
                        && (!matches!(*f, "c" | "ch" | "p" | "t")
                            || matches!(tone, None | Some(ACUTE | DOT)))
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::is_syllable;

    #[test]
    fn vietnamese_words_are_syllables() {
        for w in [
            "Khu", "công", "nghiệp", "Đình", "Trám", "Quang", "Châu", "giữa", "gì", "nước",
            "người", "khuya", "quyền", "Yên", "thuở", "ĐÌNH", "xoong", "ấp", "uống", "Bắc",
        ] {
            assert!(is_syllable(w), "{w}");
        }
    }

    #[test]
    fn mis_decodings_are_not() {
        for w in [
            "nghiÖp",
            "cềnh̀",
            "Traùm",
            "coâng",
            "nghieọp",
            "ẹỡnh",
            "Traựm",
            "ác̀",
            "hát̃",
            "ăm̉x",
            "fá",
            "ß",
            "iêm̀̀",
        ] {
            assert!(!is_syllable(w), "{w}");
        }
        // a stop-closed syllable with huyền
        assert!(!is_syllable("bàt"));
    }
}
