/** Container ids (64 hex) and Docker-style generated names ("focused_turing"). */
import { randomBytes, randomInt } from 'node:crypto';

export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    // Docker avoids ids whose short form is all digits (they read as numbers).
    if (!/^\d{12}/.test(id)) return id;
  }
}

const ADJECTIVES = [
  'admiring', 'amazing', 'awesome', 'blissful', 'bold', 'brave', 'busy', 'charming', 'clever', 'compassionate',
  'competent', 'confident', 'cool', 'dazzling', 'determined', 'eager', 'ecstatic', 'elastic', 'elegant', 'epic',
  'exciting', 'fervent', 'festive', 'focused', 'friendly', 'frosty', 'funny', 'gallant', 'gifted', 'goofy',
  'gracious', 'great', 'happy', 'hopeful', 'infallible', 'inspiring', 'intelligent', 'jolly', 'keen', 'kind',
  'laughing', 'loving', 'lucid', 'magical', 'modest', 'musing', 'nice', 'nifty', 'nostalgic', 'optimistic',
  'peaceful', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'relaxed', 'reverent', 'romantic',
  'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange', 'suspicious', 'sweet', 'tender', 'thirsty', 'trusting',
  'unruffled', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous',
];

const SURNAMES = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'ardinghelli', 'babbage', 'banach', 'bardeen', 'bartik', 'bell',
  'bhabha', 'blackburn', 'bohr', 'booth', 'borg', 'bose', 'brahmagupta', 'brattain', 'brown', 'carson', 'cerf',
  'chandrasekhar', 'clarke', 'curie', 'darwin', 'dijkstra', 'driscoll', 'edison', 'einstein', 'elion', 'euclid',
  'euler', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss', 'goldberg', 'goodall', 'hamilton',
  'hawking', 'heisenberg', 'hodgkin', 'hopper', 'hypatia', 'jackson', 'jennings', 'johnson', 'kalam', 'keller',
  'kepler', 'knuth', 'lamarr', 'lamport', 'leakey', 'lovelace', 'lumiere', 'mayer', 'mccarthy', 'mcclintock',
  'meitner', 'mendel', 'merkle', 'morse', 'napier', 'newton', 'noether', 'pascal', 'pasteur', 'perlman', 'pike',
  'poincare', 'ptolemy', 'raman', 'ritchie', 'rosalind', 'sammet', 'shannon', 'shockley', 'sinoussi', 'swanson',
  'tesla', 'thompson', 'torvalds', 'turing', 'villani', 'wilbur', 'williams', 'wing', 'wozniak', 'wright', 'yalow',
];

export function randomName(): string {
  const a = ADJECTIVES[randomInt(ADJECTIVES.length)] as string;
  const s = SURNAMES[randomInt(SURNAMES.length)] as string;
  return `${a}_${s}`;
}
