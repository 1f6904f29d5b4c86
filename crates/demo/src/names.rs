//! Indonesian personal names with regional flavour.
//!
//! Each naming tradition ([`Culture`]) has a word list in `data/names/` and one of three
//! styles: plain given names (most of western Indonesia), a clan or family name passed from
//! father to children (Batak marga, Minahasa/Moluccan/Papuan/NTT fam, Chinese-Indonesian
//! surnames), or Balinese birth-order names. Hereditary titles (Teuku/Cut, Andi, Lalu/Baiq,
//! Gusti, Ida Bagus/Ida Ayu) pass to children in the cultures that use them.

use crate::data::Sections;
use crate::rng::Rng;
use jkn::Sex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Culture {
    Javanese,
    Sundanese,
    Madurese,
    Minang,
    Malay,
    Aceh,
    Banjar,
    Bugis,
    Sasak,
    Balinese,
    Batak,
    Chinese,
    Minahasa,
    Maluku,
    Papuan,
    Ntt,
    Dayak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Clan,
    BirthOrder,
}

impl Culture {
    pub(crate) const ALL: [Culture; 17] = [
        Culture::Javanese,
        Culture::Sundanese,
        Culture::Madurese,
        Culture::Minang,
        Culture::Malay,
        Culture::Aceh,
        Culture::Banjar,
        Culture::Bugis,
        Culture::Sasak,
        Culture::Balinese,
        Culture::Batak,
        Culture::Chinese,
        Culture::Minahasa,
        Culture::Maluku,
        Culture::Papuan,
        Culture::Ntt,
        Culture::Dayak,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Culture::Javanese => "javanese",
            Culture::Sundanese => "sundanese",
            Culture::Madurese => "madurese",
            Culture::Minang => "minang",
            Culture::Malay => "malay",
            Culture::Aceh => "aceh",
            Culture::Banjar => "banjar",
            Culture::Bugis => "bugis",
            Culture::Sasak => "sasak",
            Culture::Balinese => "balinese",
            Culture::Batak => "batak",
            Culture::Chinese => "chinese",
            Culture::Minahasa => "minahasa",
            Culture::Maluku => "maluku",
            Culture::Papuan => "papuan",
            Culture::Ntt => "ntt",
            Culture::Dayak => "dayak",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    fn text(self) -> &'static str {
        match self {
            Culture::Javanese => include_str!("../data/names/javanese.txt"),
            Culture::Sundanese => include_str!("../data/names/sundanese.txt"),
            Culture::Madurese => include_str!("../data/names/madurese.txt"),
            Culture::Minang => include_str!("../data/names/minang.txt"),
            Culture::Malay => include_str!("../data/names/malay.txt"),
            Culture::Aceh => include_str!("../data/names/aceh.txt"),
            Culture::Banjar => include_str!("../data/names/banjar.txt"),
            Culture::Bugis => include_str!("../data/names/bugis.txt"),
            Culture::Sasak => include_str!("../data/names/sasak.txt"),
            Culture::Balinese => include_str!("../data/names/balinese.txt"),
            Culture::Batak => include_str!("../data/names/batak.txt"),
            Culture::Chinese => include_str!("../data/names/chinese.txt"),
            Culture::Minahasa => include_str!("../data/names/minahasa.txt"),
            Culture::Maluku => include_str!("../data/names/maluku.txt"),
            Culture::Papuan => include_str!("../data/names/papuan.txt"),
            Culture::Ntt => include_str!("../data/names/ntt.txt"),
            Culture::Dayak => include_str!("../data/names/dayak.txt"),
        }
    }

    fn style(self) -> Style {
        match self {
            Culture::Balinese => Style::BirthOrder,
            Culture::Batak
            | Culture::Chinese
            | Culture::Minahasa
            | Culture::Maluku
            | Culture::Papuan
            | Culture::Ntt
            | Culture::Dayak => Style::Clan,
            _ => Style::Plain,
        }
    }

    /// Share of families (per mille) carrying a hereditary title.
    fn titled_per_mille(self) -> u32 {
        match self {
            Culture::Aceh => 70,
            Culture::Bugis => 150,
            Culture::Banjar => 50,
            Culture::Sasak => 120,
            Culture::Balinese => 60,
            _ => 0,
        }
    }

    /// Share of wives (per mille) who take their husband's clan name.
    fn wife_takes_clan_per_mille(self) -> u32 {
        match self {
            Culture::Minahasa | Culture::Maluku | Culture::Papuan | Culture::Ntt => 500,
            Culture::Dayak => 400,
            _ => 0,
        }
    }

    /// Whether younger people draw on the shared modern (Muslim-majority) name list.
    fn uses_modern_names(self) -> bool {
        self.style() == Style::Plain
    }
}

struct Pools {
    male: Vec<&'static str>,
    male2: Vec<&'static str>,
    female: Vec<&'static str>,
    female2: Vec<&'static str>,
    family: Vec<&'static str>,
    title_male: Vec<&'static str>,
    title_female: Vec<&'static str>,
    /// Balinese birth-order names, first to fourth child (male or common forms).
    order: [Vec<&'static str>; 4],
    order1_female: Vec<&'static str>,
}

impl Pools {
    fn parse(text: &'static str) -> Self {
        let s = Sections::parse(text);
        let list = |name: &str| s.get(name).to_vec();
        let or_first =
            |a: Vec<&'static str>, b: Vec<&'static str>| if a.is_empty() { b } else { a };
        Pools {
            male2: or_first(list("male2"), list("male")),
            female2: or_first(list("female2"), list("female")),
            male: list("male"),
            female: list("female"),
            family: list("family"),
            title_male: list("title_male"),
            title_female: list("title_female"),
            order: [
                list("order_1"),
                list("order_2"),
                list("order_3"),
                list("order_4"),
            ],
            order1_female: list("order_1_female"),
        }
    }

    fn given(&self, sex: Sex) -> &[&'static str] {
        match sex {
            Sex::Laki => &self.male,
            Sex::Perempuan => &self.female,
        }
    }

    fn second(&self, sex: Sex) -> &[&'static str] {
        match sex {
            Sex::Laki => &self.male2,
            Sex::Perempuan => &self.female2,
        }
    }
}

static POOLS: LazyLock<Vec<Pools>> = LazyLock::new(|| {
    Culture::ALL
        .iter()
        .map(|c| Pools::parse(c.text()))
        .collect()
});

static MODERN: LazyLock<Pools> =
    LazyLock::new(|| Pools::parse(include_str!("../data/names/modern.txt")));

fn pools(culture: Culture) -> &'static Pools {
    // POOLS is built from Culture::ALL in declaration order, so the discriminant indexes it.
    &POOLS[culture as usize]
}

/// A person's place in the family, as far as naming is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Head,
    Spouse,
    /// The n-th child of the couple (1-based), for birth-order names.
    Child(u8),
    /// The head's father or mother.
    Parent,
}

/// What members of one family share: the tradition, the clan name, a hereditary title.
#[derive(Debug, Clone)]
pub(crate) struct FamilyNaming {
    pub culture: Culture,
    clan: &'static str,
    titled: bool,
    /// Children carry their father's last name as theirs (a common modern Javanese and
    /// Sundanese habit), filled in when the head is named.
    patronym: bool,
    father_last: Option<&'static str>,
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

fn pick(rng: &mut Rng, list: &[&'static str]) -> &'static str {
    rng.pick(list).copied().unwrap_or("")
}

/// Prefixes that never stand alone as a whole name.
fn needs_second(word: &str) -> bool {
    word.ends_with('.') || matches!(word, "Muhammad" | "Siti" | "Sitti" | "Nur" | "Nurul")
}

impl FamilyNaming {
    pub(crate) fn new(rng: &mut Rng, culture: Culture) -> Self {
        let p = pools(culture);
        FamilyNaming {
            culture,
            clan: pick(rng, &p.family),
            titled: rng.chance(culture.titled_per_mille()),
            patronym: culture.style() == Style::Plain && rng.chance(120),
            father_last: None,
        }
    }

    /// Writes a full name into `out` (which is cleared first).
    pub(crate) fn write_name(
        &mut self,
        out: &mut String,
        rng: &mut Rng,
        role: Role,
        sex: Sex,
        birth_year: i32,
    ) {
        out.clear();
        let p = pools(self.culture);
        // Titles pass down the father's line: the head, his children and his father carry
        // it; a wife carries one only if she comes from a titled family herself.
        let titled = match role {
            Role::Head | Role::Child(_) => self.titled,
            Role::Parent => self.titled && sex == Sex::Laki,
            Role::Spouse => self.titled && rng.chance(300),
        };
        match self.culture.style() {
            Style::BirthOrder => {
                let title = if titled {
                    match sex {
                        Sex::Laki => p.title_male.first(),
                        Sex::Perempuan => p.title_female.first(),
                    }
                } else {
                    None
                };
                match (title, sex) {
                    (Some(t), _) => push_word(out, t),
                    (None, Sex::Laki) => push_word(out, "I"),
                    (None, Sex::Perempuan) => push_word(out, "Ni"),
                }
                let order = match role {
                    Role::Child(n) => usize::from(n.max(1) - 1) % 4,
                    _ => [0, 0, 0, 0, 1, 1, 1, 2, 2, 3][rng.index(10)],
                };
                let list = if order == 0 && sex == Sex::Perempuan && !p.order1_female.is_empty() {
                    &p.order1_female
                } else {
                    &p.order[order]
                };
                push_word(out, pick(rng, list));
                push_word(out, pick(rng, p.given(sex)));
            }
            Style::Clan => {
                push_word(out, pick(rng, p.given(sex)));
                if rng.chance(250) {
                    let second = pick(rng, p.second(sex));
                    if !out.ends_with(second) {
                        push_word(out, second);
                    }
                }
                let own_line = match role {
                    Role::Head => sex == Sex::Laki,
                    Role::Child(_) => true,
                    Role::Parent => sex == Sex::Laki,
                    Role::Spouse => rng.chance(self.culture.wife_takes_clan_per_mille()),
                };
                let clan = if own_line {
                    self.clan
                } else {
                    // A different clan: Batak in particular forbid marrying within the marga.
                    let mut other = pick(rng, &p.family);
                    if other == self.clan {
                        other = pick(rng, &p.family);
                    }
                    other
                };
                if self.culture == Culture::Batak && sex == Sex::Perempuan && rng.chance(350) {
                    push_word(out, "br.");
                }
                push_word(out, clan);
            }
            Style::Plain => {
                if titled {
                    let titles = match sex {
                        Sex::Laki => &p.title_male,
                        Sex::Perempuan => &p.title_female,
                    };
                    if let Some(t) = titles.first() {
                        push_word(out, t);
                    }
                }
                let modern_per_mille = ((birth_year - 1985) * 34).clamp(0, 850) as u32;
                let use_modern = self.culture.uses_modern_names() && rng.chance(modern_per_mille);
                let pool = if use_modern { &*MODERN } else { p };
                let first = pick(rng, pool.given(sex));
                push_word(out, first);
                let child_of_named_father = matches!(role, Role::Child(_)) && self.patronym;
                let last = match (child_of_named_father, self.father_last) {
                    (true, Some(father)) => {
                        push_word(out, father);
                        father
                    }
                    _ => {
                        let two =
                            needs_second(first) || rng.chance(if use_modern { 700 } else { 400 });
                        if two {
                            let mut second = pick(rng, pool.second(sex));
                            if second == first {
                                second = pick(rng, pool.second(sex));
                            }
                            push_word(out, second);
                            // "Muhammad Rizky Pratama": three words are common for the young.
                            if use_modern && needs_second(first) && rng.chance(500) {
                                push_word(out, pick(rng, MODERN.second(sex)));
                            }
                            second
                        } else {
                            first
                        }
                    }
                };
                if role == Role::Head && sex == Sex::Laki && !last.ends_with('.') {
                    self.father_last = Some(last);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_culture_has_names_for_both_sexes_and_clans_where_its_style_needs_them() {
        for c in Culture::ALL {
            let p = pools(c);
            assert!(p.male.len() >= 15, "{}", c.name());
            assert!(p.female.len() >= 15, "{}", c.name());
            if c.style() == Style::Clan {
                assert!(p.family.len() >= 15, "{}", c.name());
            }
            if c.style() == Style::BirthOrder {
                assert!(p.order.iter().all(|o| !o.is_empty()));
            }
            if c.titled_per_mille() > 0 {
                assert!(!p.title_male.is_empty() && !p.title_female.is_empty());
            }
        }
        assert!(MODERN.male.len() > 20 && MODERN.female2.len() > 10);
    }

    #[test]
    fn batak_children_carry_their_fathers_marga() {
        let mut rng = Rng::from_seed(5);
        let mut fam = FamilyNaming::new(&mut rng, Culture::Batak);
        let mut father = String::new();
        let mut child = String::new();
        fam.write_name(&mut father, &mut rng, Role::Head, Sex::Laki, 1980);
        fam.write_name(&mut child, &mut rng, Role::Child(1), Sex::Perempuan, 2010);
        let marga = father.rsplit(' ').next().unwrap_or_default();
        assert!(child.ends_with(marga), "{father} / {child}");
    }

    #[test]
    fn balinese_children_are_named_by_birth_order() {
        let mut rng = Rng::from_seed(6);
        let mut fam = FamilyNaming::new(&mut rng, Culture::Balinese);
        let mut name = String::new();
        fam.write_name(&mut name, &mut rng, Role::Child(2), Sex::Laki, 2012);
        let second = name.split(' ').nth(1).unwrap_or_default();
        let second = if second == "Bagus" {
            name.split(' ').nth(2).unwrap_or_default()
        } else {
            second
        };
        assert!(["Made", "Kadek", "Nengah"].contains(&second), "{name}");
        fam.write_name(&mut name, &mut rng, Role::Child(4), Sex::Perempuan, 2016);
        assert!(name.contains("Ketut"), "{name}");
    }

    #[test]
    fn names_are_never_empty_and_have_no_double_spaces() {
        let mut rng = Rng::from_seed(7);
        let mut name = String::new();
        for c in Culture::ALL {
            for i in 0..200 {
                let mut fam = FamilyNaming::new(&mut rng, c);
                let sex = if i % 2 == 0 {
                    Sex::Laki
                } else {
                    Sex::Perempuan
                };
                for role in [Role::Head, Role::Spouse, Role::Child(1), Role::Parent] {
                    fam.write_name(&mut name, &mut rng, role, sex, 1950 + i);
                    assert!(name.len() >= 2, "{}: {name:?}", c.name());
                    assert!(!name.contains("  ") && name.trim() == name, "{name:?}");
                    assert!(!name.ends_with('.'), "{name:?}");
                }
            }
        }
    }
}
