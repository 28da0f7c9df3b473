@cors
Feature: Cross-origin requests (CORS) on the admin routes
  A page on another site must not be able to call the admin API with the
  user's cookies: neither a preflight nor a real request from a foreign
  origin is answered with an Access-Control-Allow-Origin for that origin
  (the request is still served: CORS only tells the browser what the page
  may read). The admin UI's own origin (MEDUSA_ADMIN_ORIGIN) is allowed,
  with credentials, and only that exact origin.

  Background:
    Given I am logged in as the admin

  Scenario Outline: A foreign origin is not allowed (<origin> <request>)
    When a page on <origin> <request>
    Then the response does not allow that origin

    Examples:
      | origin           | request                                       |
      | a foreign origin | sends a preflight to log in                   |
      | a foreign origin | asks who I am with the session cookie         |
      | a foreign origin | logs in with the admin's e-mail and password  |
      | the null origin  | sends a preflight to log in                   |
      | the null origin  | asks who I am with the session cookie         |

  @admin-origin
  Scenario: The admin UI's origin is allowed, with credentials
    When a page on the admin origin sends a preflight to log in
    Then the response status is 204
    And the response allows that origin with credentials
    When a page on the admin origin asks who I am with the session cookie
    Then the response status is 200
    And the response allows that origin with credentials

  @admin-origin
  Scenario Outline: An origin that only looks like the admin UI's is not allowed (<origin>)
    When a page on <origin> sends a preflight to log in
    Then the response does not allow that origin
    When a page on <origin> asks who I am with the session cookie
    Then the response does not allow that origin

    Examples:
      | origin                                 |
      | the admin origin with a suffix         |
      | the admin origin over the other scheme |
