@credentials
Feature: Credentials are matched exactly
  The password and the API token must match exactly: another letter case,
  a character more or less, or surrounding spaces are refused. The e-mail
  is matched as the login feature says (v1: whatever its case). Spaces around
  an API token are HTTP whitespace, trimmed before any server sees them, so
  they are not a variant. On v2 logging in starts with the token request
  itself: there the token step checks the answer the login's identical,
  refused request got, and the reports say so.

  Scenario Outline: A password that is almost the admin's is refused (<variant>)
    When I log in with the admin's e-mail and the password <variant>
    Then the response status is 401
    And the response does not start a logged-in session
    When I request an access token with the admin's e-mail and the password <variant>
    Then the response status is 401
    And the response does not contain an access token

    Examples:
      | variant                 |
      | in another letter case  |
      | with one more character |
      | with one character less |
      | with surrounding spaces |

  @api-token
  Scenario Outline: An API token that is almost the admin's is refused (<credentials>)
    When I ask who I am with <credentials>
    Then the response status is 401
    And the response does not reveal the user

    Examples:
      | credentials                              |
      | the API token shortened by one character |
      | the API token with one more character    |
      | the API token in another letter case     |
      | the API token with one character changed |
