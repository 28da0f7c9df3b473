@cookies
Feature: The session cookie, as a browser keeps it
  A browser keeps the session cookie by its attributes (Path, Domain,
  Expires or Max-Age, Secure) and sends it back only where they allow. The
  cookie a login sets must reach every admin route, stay out of scripts'
  reach, last no longer than the contract's 10 hours, and over https be
  Secure with the dialect's SameSite (v1: None, the admin UI calls from
  its own origin; v2: Lax). A cookie set by any other answer logs no one
  in. The browser logs in as the dialect's admin UI does (v2: a token,
  then a session opened with it).

  Scenario: The browser keeps the login cookie and is recognised with it until it logs out
    When the browser logs in with the admin's e-mail and password
    Then the response status is 200
    And the session cookie has the contract's attributes
    And the browser holds a session cookie for every admin route
    When the browser asks who I am
    Then the response status is 200
    And the response user is the user who logged in
    When the browser logs out
    Then the response status is 200
    When the browser asks who I am
    Then the response status is 401

  Scenario Outline: A cookie set by any answer but a successful login logs no one in (the browser <request>)
    When the browser <request>
    Then the browser's session cookie does not log it in

    Examples:
      | request                                                       |
      | logs in with the admin's e-mail and a wrong password          |
      | logs in with the admin's e-mail and no password               |
      | requests an access token with the admin's e-mail and password |
      | asks who I am                                                 |

  @v2
  Scenario: Logging out clears the browser's session cookie
    When the browser logs in with the admin's e-mail and password
    Then the response status is 200
    And the browser holds a session cookie for every admin route
    When the browser logs out
    Then the response status is 200
    And the browser holds no session cookie
