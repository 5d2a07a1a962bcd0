import { PrincipalMapper, PrincipalMappingError } from '@runnel/security';

/** Cases from Kafka's documentation of ssl.principal.mapping.rules and its SslPrincipalMapperTest. */
describe('PrincipalMapper (Kafka ssl.principal.mapping.rules)', () => {
  it('maps the documented examples', () => {
    const mapper = PrincipalMapper.fromRules(
      [
        'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
        'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
        'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
        'DEFAULT',
      ].join(','),
    );
    expect(mapper.nameOf('CN=serviceuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown')).toBe('serviceuser');
    expect(mapper.nameOf('CN=adminUser,OU=Admin,O=Unknown,L=Unknown,ST=Unknown,C=Unknown')).toBe('adminuser@admin');
  });

  it('takes the first rule that applies, with L and U, and DEFAULT last', () => {
    const mapper = PrincipalMapper.fromRules(
      [
        'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
        'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
        'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
        'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
        'DEFAULT',
      ].join(', '),
    );
    expect(mapper.nameOf('CN=Duke,OU=ServiceUsers,O=Org,C=US')).toBe('duke');
    expect(mapper.nameOf('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US')).toBe('duke@sme');
    expect(mapper.nameOf('cn=duke,ou=sme,dc=mycp,dc=com')).toBe('DUKE@SME');
    expect(mapper.nameOf('cN=duke,OU=JavaSoft,O=Sun Microsystems')).toBe('DUKE');
    expect(mapper.nameOf('OU=JavaSoft,O=Sun Microsystems,C=US')).toBe('OU=JavaSoft,O=Sun Microsystems,C=US');
  });

  it('DEFAULT is the whole distinguished name', () => {
    expect(PrincipalMapper.fromRules('DEFAULT').nameOf('CN=alice,O=Acme')).toBe('CN=alice,O=Acme');
  });

  it('answers undefined when no rule applies (the pattern must match the whole name)', () => {
    const mapper = PrincipalMapper.fromRules('RULE:^CN=(\\w+)$/$1/');
    expect(mapper.nameOf('CN=alice')).toBe('alice');
    expect(mapper.nameOf('CN=alice,O=Acme')).toBeUndefined();
    expect(PrincipalMapper.fromRules('').nameOf('CN=alice')).toBeUndefined();
  });

  it('keeps escaped commas in a name (rules with a comma in the pattern)', () => {
    const mapper = PrincipalMapper.fromRules('RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/,DEFAULT');
    expect(mapper.nameOf('CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz')).toBe('Tkac\\, Adam');
  });

  it('reads escaped slashes in pattern and replacement', () => {
    const mapper = PrincipalMapper.fromRules('RULE:^CN=([a-z]+)\\/([a-z]+)$/$2\\/$1/');
    expect(mapper.nameOf('CN=ops/alice')).toBe('alice/ops');
  });

  it('treats a reference past the last group as text, as Kafka does', () => {
    expect(PrincipalMapper.fromRules('RULE:^CN=(\\w+)$/$1@$4/').nameOf('CN=bob')).toBe('bob@$4');
    expect(PrincipalMapper.fromRules('RULE:^CN=(\\w+)$/$12/').nameOf('CN=bob')).toBe('bob2');
  });

  it('ignores empty rules and surrounding whitespace', () => {
    expect(PrincipalMapper.fromRules(',,  RULE:^CN=(\\w+)$/$1/U ,,, DEFAULT, ,').toString()).toBe('RULE:^CN=(\\w+)$/$1/U, DEFAULT');
  });

  it.each([
    ['default'],
    ['DEFAUL'],
    ['DEFAULT/L'],
    ['DEFAULT/U'],
    ['RULE:CN=(.*?),OU=ServiceUsers.*/$1'],
    ['rule:^CN=(.*?),OU=ServiceUsers.*$/$1/'],
    ['RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U'],
    ['RULE:^CN=(.*?),OU=ServiceUsers.*$/L'],
    ['RULE:^CN=(.*?),OU=ServiceUsers.*$/U'],
    ['RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/LU'],
    ['RULE:^CN=(.*?$/$1/'],
    ['RULE:^CN=(.*)$/$x/'],
  ])('refuses %s with a message naming it', (rules) => {
    expect(() => PrincipalMapper.fromRules(rules)).toThrow(PrincipalMappingError);
    expect(() => PrincipalMapper.fromRules(rules)).toThrow(/principal mapping rule/);
  });

  it.each([
    'DEFAULT',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
    'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
    'RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/',
    'RULE:^CN=([^,DEFAULT,]+)(,.*|$)/$1/',
  ])('accepts %s', (rules) => {
    expect(() => PrincipalMapper.fromRules(rules)).not.toThrow();
  });
});
